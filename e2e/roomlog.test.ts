import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import {
  axeViolations,
  browserSuite,
  createRoom,
  describeInBrowser,
  joinRoom,
  login,
  postMessage as post,
  register,
  screenshot,
  sendChat,
  uniqueName,
} from './harness';

/**
 * The room log in two browsers (issue 10): edit in place, delete with a confirm, reactions with
 * the lazy picker, replies that jump far back in history, mentions (autocomplete, highlight,
 * sidebar badge, tab title), keyboard access and axe with everything open, and the HTTP fallback
 * receiving edits and reactions. Screenshots in light and dark.
 */
describeInBrowser('the room log in the browser', () => {
  const suite = browserSuite({ SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000' });
  let alice: Page;
  let bob: Page;
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const roomName = `Log ${Date.now().toString(36)}`;
  const otherName = `Side ${Date.now().toString(36)}`;
  let roomId = '';

  const row = (page: Page, text: string) => page.locator('[data-testid="message"]').filter({ hasText: text });
  const roomItem = (page: Page, name: string) => page.locator(`[data-testid="room-item"][data-room-name="${name}"]`);
  /** Bob in another browser context (a second device), in the room; the context is closed after `fn`. */
  async function asBobElsewhere(
    opts: { mobile?: boolean; dark?: boolean; blockSockets?: boolean },
    fn: (page: Page) => Promise<void>,
  ): Promise<void> {
    const ctx = await suite.context(opts);
    if (opts.blockSockets) await ctx.routeWebSocket(/\/ws$/, (ws) => void ws.close());
    try {
      const page = await ctx.newPage();
      await login(page, bobName);
      await page.goto(`/rooms/${roomId}`);
      await fn(page);
    } finally {
      await ctx.close();
    }
  }

  beforeAll(async () => {
    alice = await suite.page();
    bob = await suite.page();
    await register(alice, aliceName);
    await register(bob, bobName);
    roomId = await createRoom(alice, roomName);
    await joinRoom(bob, roomId);
  });

  it('edits in place: Up edits the last message, Escape cancels, Enter saves; the other user sees (edited)', async () => {
    await sendChat(alice, 'helo wrold');
    await row(bob, 'helo wrold').waitFor();
    const input = alice.getByRole('textbox', { name: /^Message / });
    await input.press('ArrowUp');
    const editor = alice.getByRole('textbox', { name: 'Edit message' });
    await editor.waitFor();
    await editor.fill('changed my mind');
    await editor.press('Escape');
    await row(alice, 'helo wrold').waitFor();
    await input.press('ArrowUp');
    await editor.fill('hello **world**');
    await editor.press('Enter');
    const edited = row(bob, 'hello world');
    await edited.getByTestId('edited').waitFor();
    expect(await edited.locator('strong').textContent()).toBe('world');
    expect(await edited.getByTestId('edited').getAttribute('title')).toMatch(/^Edited /);
  });

  it('reacts through the lazy picker (searchable, keyboard), shows who reacted, and toggles', async () => {
    const target = row(bob, 'hello world');
    await target.hover();
    await target.getByRole('button', { name: 'Add reaction' }).click();
    const search = bob.getByRole('combobox', { name: 'Search emoji' });
    await search.waitFor();
    await search.fill('tada');
    await search.press('Enter');
    const chipBob = target.locator('[data-testid="reaction"][data-emoji="🎉"]');
    await expect.poll(() => chipBob.getAttribute('aria-pressed')).toBe('true');
    const chipAlice = row(alice, 'hello world').locator('[data-testid="reaction"][data-emoji="🎉"]');
    await chipAlice.waitFor();
    expect(await chipAlice.getAttribute('aria-pressed')).toBe('false');
    expect(await chipAlice.getAttribute('title')).toBe(`${bobName} reacted with 🎉`);
    await chipAlice.click();
    await expect.poll(() => chipBob.textContent()).toContain('2');
    expect(await chipAlice.getAttribute('aria-pressed')).toBe('true');
    await chipAlice.click();
    await expect.poll(() => chipBob.textContent()).toContain('1');
    // A reload shows the same state, from the server.
    await bob.reload();
    const reloaded = row(bob, 'hello world');
    await reloaded.getByTestId('edited').waitFor();
    const chip = reloaded.locator('[data-testid="reaction"][data-emoji="🎉"]');
    await expect.poll(() => chip.getAttribute('aria-pressed')).toBe('true');
    expect(await chip.textContent()).toContain('1');
  });

  it('replies from the actions menu by keyboard, and the quote shows above the reply', async () => {
    const target = row(bob, 'hello world');
    await target.getByTestId('message-actions').focus();
    await expect.poll(() => target.getByTestId('message-toolbar').evaluate((el) => getComputedStyle(el).opacity)).toBe('1');
    await bob.keyboard.press('Enter');
    const menu = bob.getByRole('menu', { name: 'Message actions' });
    await menu.waitFor();
    await bob.keyboard.press('ArrowDown'); // Reply
    await bob.keyboard.press('Enter');
    await bob.getByTestId('reply-bar').filter({ hasText: aliceName }).waitFor();
    await bob.keyboard.type('agreed');
    await bob.keyboard.press('Enter');
    const reply = row(alice, 'agreed');
    await reply.getByTestId('reply-quote').filter({ hasText: 'hello' }).waitFor();
  });

  it('jumps from a reply to its original far back in history, highlighted, and back to the latest', async () => {
    const root = await post(alice, roomId, 'the very first question');
    for (let i = 0; i < 160; i++) await post(alice, roomId, `filler ${i}`);
    await post(alice, roomId, 'answering that', root.id);
    await bob.reload();
    const reply = row(bob, 'answering that');
    await reply.waitFor();
    const original = bob.locator(`[data-testid="message"][data-seq="${root.seq}"]`);
    expect(await original.count()).toBe(0);
    await reply.getByTestId('reply-quote').click();
    await original.waitFor();
    await expect.poll(() => original.getAttribute('data-highlighted')).toBe('true');
    expect(await original.isVisible()).toBe(true);
    await screenshot(bob, 'roomlog-reply-jump');
    await bob.getByTestId('jump-to-latest').click();
    await row(bob, 'answering that').waitFor();
    await expect.poll(() => original.count()).toBe(0);
  });

  it('deletes with a confirm (by keyboard), leaving a quiet placeholder for everyone', async () => {
    await sendChat(alice, 'keep this one');
    await sendChat(alice, 'oops wrong room');
    const mine = row(alice, 'oops wrong room');
    await row(bob, 'oops wrong room').waitFor();
    const seq = await mine.getAttribute('data-seq');
    await mine.getByTestId('message-actions').focus();
    await alice.keyboard.press('Enter');
    await alice.getByRole('menuitem', { name: 'Delete' }).waitFor();
    await alice.keyboard.press('End');
    await alice.keyboard.press('Enter');
    const dialog = alice.getByRole('dialog', { name: 'Delete message?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await bob.locator(`[data-testid="message"][data-seq="${seq}"] [data-testid="message-deleted"]`).waitFor();
    expect(await row(bob, 'oops wrong room').count()).toBe(0);
    // Bob, a plain member, may not delete alice's messages: no Delete in his menu.
    const other = row(bob, 'keep this one');
    await other.getByTestId('message-actions').click();
    await bob.getByRole('menuitem', { name: 'Reply' }).waitFor();
    expect(await bob.getByRole('menuitem', { name: 'Delete' }).count()).toBe(0);
    await bob.keyboard.press('Escape');
    // Alice owns the room: she may delete Bob's message (but not edit it).
    await sendChat(bob, 'spam from bob');
    const his = row(alice, 'spam from bob');
    await his.getByTestId('message-actions').click();
    await alice.getByRole('menuitem', { name: 'Delete' }).click();
    expect(await alice.getByRole('menuitem', { name: 'Edit' }).count()).toBe(0);
    await alice.getByRole('dialog', { name: 'Delete message?' }).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => row(bob, 'spam from bob').count()).toBe(0);
  });

  it('autocompletes @mentions, highlights them, and badges the sidebar and tab title of the other user', async () => {
    await createRoom(bob, otherName);
    await roomItem(bob, otherName).waitFor();
    const input = alice.getByRole('textbox', { name: /^Message / });
    await input.fill('');
    await input.pressSequentially(`ping @${bobName.slice(0, 3)}`);
    const list = alice.getByRole('listbox', { name: 'Mention someone' });
    await list.getByRole('option', { name: `@${bobName}` }).waitFor();
    expect(await input.getAttribute('aria-activedescendant')).toBeTruthy();
    await expect(axeViolations(alice)).resolves.toEqual([]);
    await screenshot(alice, 'roomlog-autocomplete');
    await input.press('Tab');
    await expect.poll(() => input.inputValue()).toBe(`ping @${bobName} `);
    await input.pressSequentially('look');
    await input.press('Enter');
    const badge = roomItem(bob, roomName).getByTestId('mention-badge');
    await badge.waitFor();
    expect(await badge.textContent()).toContain('@1');
    await expect.poll(() => bob.title()).toMatch(/^\(1\) /);
    // Alice's view: bob's name is highlighted, not as her own.
    expect(await row(alice, 'look').locator('[data-mention="other"]').textContent()).toBe(`@${bobName}`);
    await roomItem(bob, roomName).click();
    const mention = row(bob, 'look').locator('[data-mention="me"]');
    await mention.waitFor();
    await expect.poll(() => roomItem(bob, roomName).getByTestId('mention-badge').count()).toBe(0);
    await expect.poll(() => bob.title()).not.toMatch(/^\(/);
  });

  it('passes axe with the actions menu and the emoji picker open, in light and dark', async () => {
    const target = row(alice, 'look');
    await target.getByTestId('message-actions').click();
    await alice.getByRole('menu', { name: 'Message actions' }).waitFor();
    await expect(axeViolations(alice)).resolves.toEqual([]);
    await screenshot(alice, 'roomlog-menu-light');
    await alice.keyboard.press('Escape');
    await target.hover();
    await target.getByRole('button', { name: 'Add reaction' }).click();
    await alice.getByTestId('emoji-picker').waitFor();
    await expect(axeViolations(alice)).resolves.toEqual([]);
    await screenshot(alice, 'roomlog-picker-light');
    await alice.keyboard.press('Escape');
    await asBobElsewhere({ dark: true }, async (page) => {
      const r = row(page, 'answering that');
      await r.waitFor();
      await r.hover();
      await screenshot(page, 'roomlog-dark');
      await r.getByRole('button', { name: 'Add reaction' }).click();
      await page.getByTestId('emoji-picker').waitFor();
      await expect(axeViolations(page)).resolves.toEqual([]);
      await screenshot(page, 'roomlog-picker-dark');
    });
  });

  it('opens the actions menu with a long press on a touch screen', async () => {
    await asBobElsewhere({ mobile: true }, async (phone) => {
      const r = row(phone, 'look');
      await r.waitFor();
      await r.dispatchEvent('touchstart');
      await phone.getByRole('menu', { name: 'Message actions' }).waitFor();
      await phone.getByRole('menuitem', { name: 'Reply' }).waitFor();
      await screenshot(phone, 'roomlog-phone-menu');
    });
  });

  it('in the HTTP fallback, edits and reactions of others still arrive (events?after=)', async () => {
    await asBobElsewhere({ blockSockets: true }, async (page) => {
      await page.getByTestId('connection-banner').filter({ hasText: 'Live updates limited' }).waitFor({ timeout: 45_000 });
      await sendChat(alice, 'fallback target');
      await row(page, 'fallback target').waitFor({ timeout: 15_000 });
      const mine = row(alice, 'fallback target');
      await alice.getByRole('textbox', { name: /^Message / }).press('ArrowUp');
      const editor = alice.getByRole('textbox', { name: 'Edit message' });
      await editor.fill('fallback target, edited');
      await editor.press('Enter');
      await mine.getByTestId('edited').waitFor();
      await mine.hover();
      await mine.getByRole('button', { name: 'Add reaction' }).click();
      await alice.getByRole('combobox', { name: 'Search emoji' }).press('Enter'); // the first frequent emoji
      const chip = row(page, 'fallback target, edited').getByTestId('reaction');
      await chip.waitFor({ timeout: 15_000 });
      await row(page, 'fallback target, edited').getByTestId('edited').waitFor();
      await screenshot(page, 'roomlog-fallback');
    });
  });
});
