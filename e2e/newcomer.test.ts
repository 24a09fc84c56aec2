import type { Locator, Page, WebSocketRoute } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { axeViolations, browserSuite, createRoom, describeInBrowser, login, register, screenshot, uniqueName } from './harness';

/**
 * What a newcomer's first hour found (issue 9): no console error on a logged-out load, an invite
 * code that can be typed, toasts that never cover the members panel, presence that does not
 * pretend to be live while the connection is down.
 */

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element has no box (not visible)');
  return box;
}

/** Every visible toast, checked against every box that it must not cover. */
async function expectToastsClear(page: Page, covered: Locator[]): Promise<void> {
  const toasts = page.getByTestId('toasts').locator('li');
  await toasts.first().waitFor();
  for (let i = 0; i < (await toasts.count()); i++) {
    const toast = await boxOf(toasts.nth(i));
    for (const target of covered) {
      for (let j = 0; j < (await target.count()); j++) {
        const box = await boxOf(target.nth(j));
        expect(overlaps(toast, box), `toast ${JSON.stringify(toast)} covers ${JSON.stringify(box)}`).toBe(false);
      }
    }
  }
}

describeInBrowser('newcomer findings', () => {
  const suite = browserSuite({ PRESENCE_GRACE_MS: '300', INVITE_PER_MINUTE: '5' });
  let alice: Page;
  let bob: Page;
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const secret = `Hideout ${Date.now().toString(36)}`;
  let secretId = '';
  let code = '';

  beforeAll(async () => {
    alice = await suite.page();
    bob = await suite.page();
  });

  it('loads / logged out without a single console error (the probe answers 200)', async () => {
    const ctx = await suite.context();
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    const probe = page.waitForResponse((r) => r.url().endsWith('/api/auth/session'));
    await page.goto('/');
    expect((await probe).status()).toBe(200);
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('joins a private room with a typed invite code; a wrong code is named on the field', async () => {
    await register(alice, aliceName);
    await register(bob, bobName);
    secretId = await createRoom(alice, secret, { isPrivate: true });
    await alice.getByRole('button', { name: 'Invite people' }).click();
    code = (await alice.getByTestId('invite-code').textContent())!.trim();
    expect(code.length).toBeGreaterThan(3);
    await alice.keyboard.press('Escape');
    // Alice keeps the members panel open (a column on a wide screen, open by default there).
    await alice.getByRole('dialog').waitFor({ state: 'detached' });
    if (!(await alice.getByTestId('members-panel').isVisible())) await alice.getByTestId('member-count').click();
    await alice.getByTestId('members-panel').waitFor();

    await bob.goto('/discover');
    const field = bob.getByLabel('Invite code', { exact: true });
    await field.fill('not-a-real-code');
    await field.press('Enter');
    const error = bob.getByRole('alert').filter({ hasText: 'invite code is not valid' });
    await error.waitFor();
    await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(field.getAttribute('aria-describedby')).resolves.toBe(await error.getAttribute('id'));
    await expect(axeViolations(bob)).resolves.toEqual([]);
    await screenshot(bob, 'invite-code-invalid');

    await field.fill(`  ${code} `);
    await field.press('Enter');
    await bob.getByTestId('room-title').filter({ hasText: secret }).waitFor();
    expect(new URL(bob.url()).pathname).toBe(`/rooms/${secretId}`);
  });

  it('keeps toasts off the members panel on a wide screen', async () => {
    // Bob's join made a "joined" toast on Alice's screen while her members column is open.
    await alice.getByTestId('toasts').locator('li').filter({ hasText: `${bobName} joined` }).waitFor();
    await expectToastsClear(alice, [alice.getByTestId('members-panel')]);
    await screenshot(alice, 'toast-members-desktop');
  });

  it('says clearly when invite attempts are rate limited', async () => {
    await bob.goto('/discover');
    const field = bob.getByLabel('Invite code', { exact: true });
    const limited = bob.getByRole('alert').filter({ hasText: 'Too many invite attempts' });
    for (let i = 0; i < 8 && !(await limited.isVisible()); i++) {
      await field.fill(`wrong-${i}`);
      await field.press('Enter');
      await bob.getByRole('button', { name: 'Join with code' }).and(bob.locator(':enabled')).waitFor();
    }
    await limited.waitFor();
    await expect(limited.textContent()).resolves.toMatch(/wait \d+ s/);
  });

  it('keeps toasts off the member rows on a phone, where the panel is a drawer', async () => {
    const ctx = await suite.context({ mobile: true });
    const phone = await ctx.newPage();
    await login(phone, aliceName);
    await phone.goto(`/rooms/${secretId}`);
    await phone.getByTestId('member-count').click();
    const panel = phone.getByTestId('members-panel');
    await panel.locator('[data-testid="member"]').nth(1).waitFor();

    const ctxC = await suite.context();
    const carol = await ctxC.newPage();
    const carolName = uniqueName('carol');
    await register(carol, carolName);
    await carol.goto('/discover');
    await carol.getByLabel('Invite code', { exact: true }).fill(code);
    await carol.getByLabel('Invite code', { exact: true }).press('Enter');
    await carol.getByTestId('room-title').filter({ hasText: secret }).waitFor();

    await phone.getByTestId('toasts').locator('li').filter({ hasText: `${carolName} joined` }).waitFor();
    await panel.locator(`[data-username="${carolName}"]`).waitFor();
    await expectToastsClear(phone, [panel.locator('[data-testid="member"]'), panel.getByRole('heading', { name: /Members/ })]);
    await screenshot(phone, 'toast-members-mobile');
    await ctxC.close();
    await ctx.close();
  });

  it('shows presence as unknown while the connection is down, and fresh again after it returns', async () => {
    // Alice's tab goes through a proxy that the test can cut.
    const ctx = await suite.context();
    let blocked = false;
    const live: WebSocketRoute[] = [];
    await ctx.routeWebSocket(/\/ws$/, (ws) => {
      if (blocked) return void ws.close();
      ws.connectToServer();
      live.push(ws);
    });
    const page = await ctx.newPage();
    await login(page, aliceName);
    await page.goto(`/rooms/${secretId}`);
    await bob.goto(`/rooms/${secretId}`);
    const panel = page.getByTestId('members-panel');
    await page.getByTestId('room-title').waitFor();
    if (!(await panel.isVisible())) await page.getByTestId('member-count').click();
    const count = panel.getByTestId('online-count');
    await panel.locator(`[data-username="${bobName}"][data-online="true"][data-presence="live"]`).waitFor();
    await count.filter({ hasText: /\d online/ }).and(page.locator('[data-stale="false"]')).waitFor();

    // Cut the link: reconnecting, so who is online is not known.
    blocked = true;
    for (const ws of live.splice(0)) await ws.close();
    await page.getByTestId('connection-banner').waitFor();
    await count.and(page.locator('[data-stale="true"]')).filter({ hasText: '— online' }).waitFor();
    await panel.locator(`[data-username="${bobName}"][data-presence="stale"]`).waitFor();
    await screenshot(page, 'presence-stale');

    // Meanwhile Bob closes RtChat; when the link returns, resubscribing brings the truth.
    await bob.goto('about:blank');
    await page.waitForTimeout(800); // past PRESENCE_GRACE_MS
    blocked = false;
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 30_000 });
    await count.and(page.locator('[data-stale="false"]')).filter({ hasText: /\d online/ }).waitFor();
    await panel.locator(`[data-username="${bobName}"][data-online="false"][data-presence="live"]`).waitFor();
    await ctx.close();
  });
});
