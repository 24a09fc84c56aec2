import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { axeViolations, browserSuite, createRoom, describeInBrowser, login, register, screenshot, sendChat, uniqueName } from './harness';

/**
 * The settings page in real browsers: reached from the user button, accessible in light and dark;
 * signing out another session (a second browser context, which lands on the login form by
 * itself), signing out everywhere else, and a display name the other user sees on new messages
 * from a socket that was open before the change.
 */
describeInBrowser('settings in the browser', () => {
  const suite = browserSuite({ SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000' });
  let alice: Page;
  let bob: Page;
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  let roomId = '';

  const openSettings = async (p: Page) => {
    await p.getByTestId('profile-button').click();
    await p.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await p.getByTestId('session').first().waitFor();
  };
  const onLoginForm = (p: Page) => p.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 15_000 });

  beforeAll(async () => {
    alice = await suite.page();
    bob = await suite.page();
    await register(alice, aliceName);
    roomId = await createRoom(alice, `Settings ${Date.now().toString(36)}`);
    await register(bob, bobName);
    const joined = await bob.evaluate(async (id) => (await fetch(`/api/rooms/${id}/join`, { method: 'POST' })).status, roomId);
    expect(joined).toBe(200);
    await bob.goto(`/rooms/${roomId}`);
    await bob.getByRole('textbox', { name: /^Message / }).waitFor();
  });

  it('signs out another session, which lands on the login form by itself', async () => {
    const phone = await suite.page();
    await login(phone, aliceName);
    await openSettings(alice);
    await expect.poll(() => alice.getByTestId('session').count()).toBe(2);
    await alice.getByTestId('session-list').getByText('This device').waitFor();
    expect(await axeViolations(alice)).toEqual([]);
    await screenshot(alice, 'settings-light');
    const other = alice.locator('[data-testid="session"]:not([data-current])');
    await other.getByRole('button', { name: /^Sign out / }).click();
    // The confirmation takes focus; keyboard confirms it.
    const yes = alice.getByRole('button', { name: 'Yes, sign out' });
    await yes.focus();
    await alice.keyboard.press('Enter');
    await alice.getByTestId('sessions-status').filter({ hasText: /^Signed out / }).waitFor();
    await expect.poll(() => alice.getByTestId('session').count()).toBe(1);
    await onLoginForm(phone);
  });

  it('signs out everywhere else after confirmation, and is axe-clean in dark mode', async () => {
    const laptop = await suite.page({ dark: true });
    const tablet = await suite.page();
    await login(laptop, aliceName);
    await login(tablet, aliceName);
    await openSettings(laptop);
    await expect.poll(() => laptop.getByTestId('session').count()).toBe(3);
    expect(await axeViolations(laptop)).toEqual([]);
    await screenshot(laptop, 'settings-dark');
    await alice.reload();
    await alice.getByTestId('session').first().waitFor();
    await alice.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await alice.getByText('Sign out 2 other sessions?').waitFor();
    await alice.getByRole('button', { name: 'Yes, sign out' }).click();
    await alice.getByTestId('sessions-status').filter({ hasText: 'Signed out 2 other sessions.' }).waitFor();
    await onLoginForm(laptop);
    await onLoginForm(tablet);
  });

  it('a new display name is what the other user sees on the next message', async () => {
    await alice.getByRole('textbox', { name: 'Display name' }).fill('Alice Wonder');
    await alice.getByRole('button', { name: 'Save name' }).click();
    await alice.getByTestId('profile-status').filter({ hasText: 'Display name saved: Alice Wonder' }).waitFor();
    await alice.getByTestId('current-user').filter({ hasText: 'Alice Wonder' }).waitFor();
    await alice.goto(`/rooms/${roomId}`);
    await sendChat(alice, 'hello under my new name');
    const message = bob.getByTestId('message').filter({ hasText: 'hello under my new name' });
    await message.getByTestId('author-name').filter({ hasText: 'Alice Wonder' }).waitFor();
    await expect(message.textContent()).resolves.toContain(`@${aliceName}`);
  });
});
