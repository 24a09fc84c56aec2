import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { axeViolations, browserSuite, createRoom, describeInBrowser, register, screenshot, sendChat, uniqueName } from './harness';

/**
 * Guests in the browser (issue 12): "Continue as guest" on the login page (axe-clean, light and
 * dark), a guest joins a public room and chats with a registered user, carries the "guest" tag,
 * has no create-room or attach button, and upgrades to a full account from the user menu.
 */

const body = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text });

describeInBrowser('guests', () => {
  const suite = browserSuite();
  let alice: Page;
  let guest: Page;
  const aliceName = uniqueName('alice');
  const guestName = uniqueName('visitor');
  const lobby = `Guest lobby ${Date.now().toString(36)}`;
  let lobbyId = '';

  beforeAll(async () => {
    alice = await suite.page();
    guest = await suite.page();
  });

  it('offers "Continue as guest" on the login page, axe-clean in light and dark', async () => {
    for (const dark of [false, true]) {
      const ctx = await suite.context({ dark });
      const page = await ctx.newPage();
      await page.goto('/login');
      const form = page.getByRole('form', { name: 'Continue as guest' });
      await form.getByLabel('Guest name').waitFor();
      // A bad name is explained next to the field.
      await form.getByLabel('Guest name').fill('no spaces allowed');
      await form.getByRole('button', { name: 'Continue as guest' }).click();
      await page.getByTestId('error-guest').filter({ hasText: 'letters, digits or underscores' }).waitFor();
      await expect(axeViolations(page)).resolves.toEqual([]);
      if (!dark) await screenshot(page, 'guest-login');
      await ctx.close();
    }
  });

  it('a guest joins a public room and chats with a registered user', async () => {
    await register(alice, aliceName);
    lobbyId = await createRoom(alice, lobby);

    await guest.goto('/login');
    const form = guest.getByRole('form', { name: 'Continue as guest' });
    await form.getByLabel('Guest name').fill(guestName);
    await form.getByRole('button', { name: 'Continue as guest' }).click();
    await guest.getByTestId('current-user').filter({ hasText: guestName }).waitFor();
    await guest.getByTestId('current-user').getByTestId('guest-tag').waitFor();
    // No way to create a room.
    expect(await guest.getByRole('button', { name: 'Create room' }).count()).toBe(0);

    await guest.getByRole('link', { name: 'Discover rooms' }).first().click();
    await guest.getByLabel('Search public rooms').fill(lobby.slice(0, 14));
    const result = guest.locator(`[data-testid="discover-room"][data-room-name="${lobby}"]`);
    await result.getByRole('button', { name: `Join ${lobby}` }).click();
    await guest.waitForURL(`**/rooms/${lobbyId}`);
    await guest.getByTestId('room-title').filter({ hasText: lobby }).waitFor();
    // Attaching is off for guests, with the reason.
    expect(await guest.getByRole('button', { name: 'Attach files' }).isDisabled()).toBe(true);
    expect(await guest.getByRole('button', { name: 'Attach files' }).getAttribute('title')).toBe('Guests cannot attach files');

    await sendChat(guest, 'Hello from a guest');
    const seen = body(alice, 'Hello from a guest');
    await seen.waitFor();
    await seen.getByTestId('guest-tag').waitFor();
    await sendChat(alice, 'Welcome, guest!');
    await body(guest, 'Welcome, guest!').waitFor();
    await expect(axeViolations(guest)).resolves.toEqual([]);
    await screenshot(guest, 'guest-room');
  });

  it('upgrades to a full account from the user menu and may then create rooms', async () => {
    await guest.getByTestId('profile-button').click();
    const dialog = guest.getByRole('dialog', { name: 'Upgrade to a full account' });
    await dialog.getByLabel('Password').fill('short');
    await dialog.getByRole('button', { name: 'Upgrade' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'characters' }).waitFor();
    await expect(axeViolations(guest)).resolves.toEqual([]);
    await dialog.getByLabel('Password').fill('a long enough password');
    await dialog.getByRole('button', { name: 'Upgrade' }).click();
    await dialog.waitFor({ state: 'detached' });
    await guest.getByRole('button', { name: 'Create room' }).waitFor();
    expect(await guest.getByTestId('current-user').getByTestId('guest-tag').count()).toBe(0);
    // Still in the room, with its history.
    await body(guest, 'Welcome, guest!').waitFor();
    await sendChat(guest, 'Now with a password');
    await body(alice, 'Now with a password').waitFor();
    expect(await body(alice, 'Now with a password').getByTestId('guest-tag').count()).toBe(0);
  });
});
