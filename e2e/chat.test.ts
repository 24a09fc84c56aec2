import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { axeViolations, browserSuite, createRoom, describeInBrowser, register, screenshot, sendChat, uniqueName } from './harness';

/**
 * Two people in two browsers against the real built server: sign-up, rooms, live chat both ways,
 * typing, presence, unread badges, history paging, offline sends, XSS, accessibility.
 */
describeInBrowser('RtChat in the browser', () => {
  const suite = browserSuite({ SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000', PRESENCE_GRACE_MS: '500' });
  let alice: Page;
  let bob: Page;
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const lobby = `Lobby ${Date.now().toString(36)}`;
  let lobbyId = '';
  const dialogs: string[] = [];

  const body = (page: Page, text: string) => page.getByTestId('message-body').filter({ hasText: text });
  const roomItem = (page: Page, name: string) => page.locator(`[data-testid="room-item"][data-room-name="${name}"]`);

  beforeAll(async () => {
    alice = await suite.page();
    bob = await suite.page();
    for (const p of [alice, bob]) p.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
  });

  it('signs up with clear field errors, and passes the accessibility check', async () => {
    await alice.goto('/register');
    await expect(axeViolations(alice)).resolves.toEqual([]);
    await screenshot(alice, 'register');
    // A bad username is named by the form.
    await alice.getByLabel('Username', { exact: true }).fill('no spaces!');
    await alice.getByLabel('Password', { exact: true }).fill('short');
    await alice.getByRole('button', { name: 'Sign up' }).click();
    await alice.getByTestId('error-username').waitFor();
    await alice.getByTestId('error-password').waitFor();
    await screenshot(alice, 'register-errors');

    await register(alice, aliceName);
    await register(bob, bobName);
    // Taken usernames get the server's message on the field.
    const carol = await suite.browser.newContext({ baseURL: suite.server.url });
    const p = await carol.newPage();
    await p.goto('/register');
    await p.getByLabel('Username', { exact: true }).fill(aliceName);
    await p.getByLabel('Password', { exact: true }).fill('long enough password');
    await p.getByRole('button', { name: 'Sign up' }).click();
    await expect(p.getByTestId('error-username').textContent()).resolves.toMatch(/taken/);
    await carol.close();
  });

  it('creates a room, and the other person finds it in Discover and joins with one click', async () => {
    lobbyId = await createRoom(alice, lobby, { description: 'Say hello' });
    await bob.getByRole('link', { name: 'Discover rooms' }).first().click();
    await bob.getByLabel('Search public rooms').fill(lobby.slice(0, 12));
    const result = bob.locator(`[data-testid="discover-room"][data-room-name="${lobby}"]`);
    await result.waitFor();
    await expect(axeViolations(bob)).resolves.toEqual([]);
    await screenshot(bob, 'discover');
    await result.getByRole('button', { name: `Join ${lobby}` }).click();
    await bob.waitForURL(`**/rooms/${lobbyId}`);
    await bob.getByTestId('room-title').filter({ hasText: lobby }).waitFor();
    // Alice sees the member count go up live.
    await alice.getByTestId('member-count').filter({ hasText: '2' }).waitFor();
  });

  it('chats both ways live, with typing and presence', async () => {
    await sendChat(alice, 'Hi Bob, welcome!');
    await body(bob, 'Hi Bob, welcome!').waitFor();
    await sendChat(bob, 'Thanks Alice');
    await body(alice, 'Thanks Alice').waitFor();
    // The sender's own message becomes sent (acked), once.
    await alice.locator('[data-testid="message"][data-status="sent"]').filter({ hasText: 'Hi Bob, welcome!' }).waitFor();
    expect(await body(alice, 'Hi Bob, welcome!').count()).toBe(1);

    // Typing
    await bob.getByRole('textbox', { name: /^Message / }).pressSequentially('typing…', { delay: 20 });
    await alice.getByTestId('typing-indicator').filter({ hasText: `${bobName} is typing…` }).waitFor();
    await bob.getByRole('textbox', { name: /^Message / }).fill('');

    // Presence: Bob is online in Alice's members panel, and goes offline when he leaves.
    const panel = alice.getByTestId('members-panel');
    await panel.locator(`[data-username="${bobName}"][data-online="true"]`).waitFor();
    await panel.locator(`[data-username="${aliceName}"]`).filter({ hasText: 'Owner' }).waitFor();
    await screenshot(alice, 'room-desktop');
    await expect(axeViolations(alice)).resolves.toEqual([]);

    await bob.goto('about:blank');
    await panel.locator(`[data-username="${bobName}"][data-online="false"]`).waitFor({ timeout: 15_000 });
    await bob.goto(`/rooms/${lobbyId}`);
    await panel.locator(`[data-username="${bobName}"][data-online="true"]`).waitFor();
  });

  it('switches to the dark theme, remembers it, and stays readable', async () => {
    await alice.getByRole('radio', { name: 'Dark theme' }).click();
    await expect(alice.evaluate(() => document.documentElement.classList.contains('dark'))).resolves.toBe(true);
    await alice.reload();
    await body(alice, 'Thanks Alice').waitFor();
    await expect(alice.evaluate(() => document.documentElement.classList.contains('dark'))).resolves.toBe(true);
    await expect(alice.getByRole('radio', { name: 'Dark theme' }).getAttribute('aria-checked')).resolves.toBe('true');
    await screenshot(alice, 'room-desktop-dark');
    await expect(axeViolations(alice)).resolves.toEqual([]);
    await alice.getByRole('radio', { name: 'Light theme' }).click();
    await expect(alice.evaluate(() => document.documentElement.classList.contains('dark'))).resolves.toBe(false);
  });

  it('shows markup in a message as text, never running it', async () => {
    const evil = '<img src=x onerror=alert(1)> <script>alert(2)</script> javascript:alert(3)';
    await sendChat(alice, evil);
    await body(bob, '<img src=x onerror=alert(1)>').waitFor();
    expect(await bob.getByTestId('message-body').locator('img, script').count()).toBe(0);
    expect(await body(bob, '<img src=x').textContent()).toBe(evil);
    // Links are only http(s), and open safely.
    await sendChat(alice, 'docs at https://example.com/guide?x=1 ok');
    const link = bob.getByTestId('message-scroller').getByRole('link', { name: 'https://example.com/guide?x=1' });
    await link.waitFor();
    expect(await link.getAttribute('rel')).toContain('noopener');
    expect(await link.getAttribute('rel')).toContain('noreferrer');
    expect(await bob.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('counts unread messages in the sidebar and clears them when read', async () => {
    const second = `Second ${Date.now().toString(36)}`;
    const secondId = await createRoom(alice, second);
    // Bob joins through the API of his own session, stays in the lobby.
    const res = await bob.evaluate(async (id) => (await fetch(`/api/rooms/${id}/join`, { method: 'POST' })).status, secondId);
    expect(res).toBe(200);
    await bob.reload();
    await roomItem(bob, second).waitFor();
    for (const n of [1, 2, 3]) await sendChat(alice, `unread ${n}`);
    await roomItem(bob, second).getByTestId('unread-badge').filter({ hasText: '3' }).waitFor();
    await expect(roomItem(bob, second).getByTestId('room-preview').textContent()).resolves.toContain('unread 3');
    await screenshot(bob, 'unread-badges');
    // The list is ordered by newest activity.
    await expect(bob.getByTestId('room-item').first().getAttribute('data-room-name')).resolves.toBe(second);
    await roomItem(bob, second).click();
    await body(bob, 'unread 3').waitFor();
    await bob.getByTestId('unread-divider').waitFor();
    await roomItem(bob, second).getByTestId('unread-badge').waitFor({ state: 'detached' });
    // The read cursor reached the server: still read after a reload.
    await bob.goto(`/rooms/${lobbyId}`);
    await roomItem(bob, second).waitFor();
    await bob.waitForTimeout(300);
    expect(await roomItem(bob, second).getByTestId('unread-badge').count()).toBe(0);
  });

  it('keeps history across a reload', async () => {
    await bob.goto(`/rooms/${lobbyId}`);
    await body(bob, 'Hi Bob, welcome!').waitFor();
    await body(bob, 'Thanks Alice').waitFor();
  });

  it('loads older pages as you scroll up, keeps your place, and keeps the DOM small', async () => {
    const name = `History ${Date.now().toString(36)}`;
    const roomId = await createRoom(alice, name);
    const total = 300;
    await alice.evaluate(
      async ({ roomId, total }) => {
        for (let i = 1; i <= total; i++) {
          const r = await fetch(`/api/rooms/${roomId}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ clientMsgId: `seed-${i}`, body: `history message ${i}${i % 7 === 0 ? '\nwith a second line' : ''}` }),
          });
          if (r.status !== 201) throw new Error(`seed ${i}: ${r.status}`);
        }
      },
      { roomId, total },
    );
    await bob.evaluate(async (id) => fetch(`/api/rooms/${id}/join`, { method: 'POST' }), roomId);
    await bob.goto(`/rooms/${roomId}`);
    await body(bob, `history message ${total}`).waitFor();
    const scroller = bob.getByTestId('message-scroller');
    // Virtualized: only rows near the viewport are in the DOM.
    expect(await bob.getByTestId('message').count()).toBeLessThan(60);

    // Scroll up step by step; the message on screen stays put while older pages come in.
    const seen = new Set<number>();
    const jumps: number[] = [];
    for (let step = 0; step < 200; step++) {
      const anchor = await bob.evaluate(() => {
        const sc = document.querySelector('[data-testid="message-scroller"]')!;
        const top = sc.getBoundingClientRect().top;
        const rows = [...document.querySelectorAll<HTMLElement>('[data-testid="message"][data-seq]')];
        const visible = rows.find((r) => r.getBoundingClientRect().top >= top + 40);
        return visible ? { seq: Number(visible.dataset.seq), y: visible.getBoundingClientRect().top } : null;
      });
      expect(anchor).not.toBeNull();
      seen.add(anchor!.seq);
      await scroller.evaluate((el) => el.scrollBy(0, -250));
      // Let the scroll event, any prepend and the re-measure settle.
      await bob.waitForTimeout(40);
      await bob.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const y = await bob.evaluate(
        (seq) => document.querySelector(`[data-testid="message"][data-seq="${seq}"]`)?.getBoundingClientRect().top ?? null,
        anchor!.seq,
      );
      if (y !== null && Math.abs(y - (anchor!.y + 250)) > 3) jumps.push(y - (anchor!.y + 250));
      if (await bob.getByText('This is the beginning of the room.').isVisible()) break;
    }
    await bob.getByText('This is the beginning of the room.').waitFor();
    await scroller.evaluate((el) => el.scrollTo(0, 0));
    await body(bob, 'history message 1').first().waitFor();
    // The message on screen moved by exactly what we scrolled: no jump when pages were prepended.
    // (At most a header height when the row above gains or loses its author line as pages join.)
    expect(jumps.filter((d) => Math.abs(d) > 40)).toEqual([]);
    expect(jumps.length).toBeLessThanOrEqual(Math.ceil(total / 50));
    expect(Math.min(...seen)).toBeLessThan(25);
    expect(await bob.getByTestId('message').count()).toBeLessThan(80);
    await screenshot(bob, 'history-top');

    // New messages while scrolled up: a jump button with a count.
    await sendChat(alice, 'news while you read old stuff');
    await bob.getByTestId('jump-to-latest').filter({ hasText: '1 new message' }).waitFor();
    await bob.getByTestId('jump-to-latest').click();
    await body(bob, 'news while you read old stuff').waitFor();
  }, 180_000);

  it('delivers messages written offline exactly once when the connection returns', async () => {
    await roomItem(alice, lobby).click();
    await bob.goto(`/rooms/${lobbyId}`);
    await body(bob, 'Thanks Alice').waitFor();
    await bob.context().setOffline(true);
    await bob.getByTestId('connection-banner').filter({ hasText: 'Offline' }).waitFor({ timeout: 30_000 });
    await sendChat(bob, 'offline one');
    await sendChat(bob, 'offline two');
    await bob.locator('[data-testid="message"][data-status="pending"]').filter({ hasText: 'offline two' }).waitFor();
    await screenshot(bob, 'offline');
    await alice.waitForTimeout(1000);
    expect(await body(alice, 'offline one').count()).toBe(0);
    await bob.context().setOffline(false);
    await bob.locator('[data-testid="message"][data-status="sent"]').filter({ hasText: 'offline two' }).waitFor({ timeout: 30_000 });
    await body(alice, 'offline one').waitFor();
    await body(alice, 'offline two').waitFor();
    await alice.waitForTimeout(500);
    expect(await body(alice, 'offline one').count()).toBe(1);
    expect(await body(alice, 'offline two').count()).toBe(1);
    // Stored exactly once, in order.
    const bodies = await alice.evaluate(async (id) => {
      const r = await fetch(`/api/rooms/${id}/messages?limit=100`);
      const { messages } = (await r.json()) as { messages: Array<{ body: string }> };
      return messages.map((m) => m.body);
    }, lobbyId);
    expect(bodies.filter((b) => b === 'offline one')).toHaveLength(1);
    expect(bodies.filter((b) => b === 'offline two')).toHaveLength(1);
    expect(bodies.indexOf('offline one')).toBeLessThan(bodies.indexOf('offline two'));
    await bob.reload();
    await body(bob, 'offline two').waitFor();
    expect(await body(bob, 'offline one').count()).toBe(1);
  });

  it('keeps unsent messages across a reload, and sends over HTTP when WebSockets are blocked', async () => {
    await bob.goto(`/rooms/${lobbyId}`);
    await body(bob, 'offline two').waitFor();
    // A proxy that refuses WebSockets: every /ws connection is closed at once.
    let blockSockets = true;
    await bob.context().routeWebSocket(/\/ws$/, (ws) => {
      if (blockSockets) void ws.close();
      else ws.connectToServer();
    });
    await bob.context().setOffline(true);
    await bob.getByTestId('connection-banner').waitFor({ timeout: 30_000 });
    await sendChat(bob, 'survives reload');
    await bob.locator('[data-testid="message"][data-status="pending"]').filter({ hasText: 'survives reload' }).waitFor();
    expect(await body(alice, 'survives reload').count()).toBe(0);
    await bob.context().setOffline(false);
    // Reloaded with the message still unsent: it comes back from the outbox and goes out over
    // HTTP, since the socket cannot connect.
    await bob.reload();
    await body(bob, 'survives reload').waitFor();
    await bob.locator('[data-testid="message"][data-status="sent"]').filter({ hasText: 'survives reload' }).waitFor({ timeout: 45_000 });
    await bob.getByTestId('connection-banner').filter({ hasText: 'Live updates limited' }).waitFor();
    await body(alice, 'survives reload').waitFor();
    // Polling brings others' messages in while the socket is blocked.
    await sendChat(alice, 'polled to you');
    await body(bob, 'polled to you').waitFor({ timeout: 15_000 });
    await screenshot(bob, 'http-fallback');
    // Sockets allowed again: back to live, nothing duplicated.
    blockSockets = false;
    await bob.evaluate(() => window.dispatchEvent(new Event('online')));
    await bob.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 45_000 });
    await alice.waitForTimeout(500);
    expect(await body(alice, 'survives reload').count()).toBe(1);
    expect(await body(bob, 'survives reload').count()).toBe(1);
    expect(await body(bob, 'polled to you').count()).toBe(1);
  });

  it('opens an invite link after login and joins the private room', async () => {
    const secret = `Secret ${Date.now().toString(36)}`;
    await createRoom(alice, secret, { isPrivate: true });
    await alice.getByRole('button', { name: 'Invite people' }).click();
    const link = await alice.getByTestId('invite-link').inputValue();
    expect(link).toMatch(/\/join\//);
    await screenshot(alice, 'invite-dialog');
    await alice.keyboard.press('Escape');
    await alice.getByRole('dialog').waitFor({ state: 'detached' }).catch(() => {});
    expect(await alice.getByRole('dialog').count()).toBe(0);

    const ctxC = await suite.context();
    const carol = await ctxC.newPage();
    await carol.goto(new URL(link).pathname);
    await carol.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await carol.getByRole('link', { name: 'Create an account' }).click();
    const carolName = uniqueName('carol');
    await carol.getByLabel('Username', { exact: true }).fill(carolName);
    await carol.getByLabel('Password', { exact: true }).fill('long enough password');
    await carol.getByRole('button', { name: 'Sign up' }).click();
    await carol.getByTestId('room-title').filter({ hasText: secret }).waitFor();
    await alice.getByTestId('member-count').filter({ hasText: '2' }).waitFor();
    await ctxC.close();
  });

  it('shows a not-found page for unknown rooms', async () => {
    await bob.goto('/rooms/00000000-0000-4000-8000-000000000000');
    await bob.getByRole('heading', { name: 'This room does not exist' }).waitFor();
    await screenshot(bob, 'room-not-found');
  });

  it('works on a phone, in dark mode', async () => {
    const ctx = await suite.context({ mobile: true, dark: true });
    const phone = await ctx.newPage();
    await phone.goto('/login');
    await phone.getByLabel('Username or email').fill(bobName);
    await phone.getByLabel('Password').fill('correct horse battery');
    await phone.getByRole('button', { name: 'Log in' }).click();
    await roomItem(phone, lobby).waitFor();
    await screenshot(phone, 'mobile-rooms-dark');
    await roomItem(phone, lobby).click();
    await body(phone, 'offline two').waitFor();
    await expect(phone.evaluate(() => document.documentElement.classList.contains('dark'))).resolves.toBe(true);
    await screenshot(phone, 'mobile-room-dark');
    await expect(axeViolations(phone)).resolves.toEqual([]);
    await phone.getByRole('link', { name: 'Back to rooms' }).click();
    await roomItem(phone, lobby).waitFor();
    await ctx.close();
  });
});
