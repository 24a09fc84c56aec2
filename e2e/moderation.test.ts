import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { axeViolations, browserSuite, createRoom, describeInBrowser, joinRoom, register, sendChat, uniqueName } from './harness';

/**
 * Running a room in the browser (issue 12): the owner makes a moderator from the members panel
 * (the promoted user's open page gains the moderator controls at once, and loses them on demotion),
 * the moderator bans a member with the keyboard; the banned member's room leaves their sidebar
 * with an announcement and joining again is refused; the bans list lifts it. The settings dialog
 * is axe-clean in light (owner) and dark (moderator).
 */
describeInBrowser('moderation', () => {
  const suite = browserSuite();
  let owner: Page;
  let mod: Page;
  let bob: Page;
  const names = { owner: uniqueName('own'), mod: uniqueName('mod'), bob: uniqueName('bob') };
  const roomName = `Modded ${Date.now().toString(36)}`;
  let roomId = '';

  beforeAll(async () => {
    owner = await suite.page();
    mod = await suite.page({ dark: true });
    bob = await suite.page();
    await register(owner, names.owner);
    await register(mod, names.mod);
    await register(bob, names.bob);
    roomId = await createRoom(owner, roomName);
    for (const page of [mod, bob]) await joinRoom(page, roomId);
  });

  /** Opens the members panel (if closed) and returns the row of `username`. */
  async function memberRow(page: Page, username: string) {
    const panel = page.getByTestId('members-panel');
    // Decided by the toggle once the room has rendered (a just-reloaded page has no panel yet).
    const toggle = page.getByTestId('member-count');
    await toggle.waitFor();
    if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
    const row = panel.locator(`[data-username="${username}"]`);
    await row.waitFor();
    return row;
  }

  it('the owner makes a moderator from the members panel', async () => {
    const row = await memberRow(owner, names.mod);
    await row.getByRole('button', { name: `Manage ${names.mod}` }).click();
    await owner.getByRole('group', { name: `Manage ${names.mod}` }).getByRole('button', { name: 'Make moderator' }).click();
    await owner.getByTestId('toasts').getByText(`${names.mod} is now a moderator`).waitFor();
    await (await memberRow(owner, names.mod)).getByText('Mod', { exact: true }).waitFor();
  });

  it("the owner promotes bob and demotes him again: bob's open page shows and hides the moderator controls without a reload", async () => {
    const settings = bob.getByRole('button', { name: 'Room settings' });
    expect(await settings.count()).toBe(0);
    for (const [label, done] of [['Make moderator', 'a moderator'], ['Make member', 'a member']] as const) {
      const row = await memberRow(owner, names.bob);
      await row.getByRole('button', { name: `Manage ${names.bob}` }).click();
      await owner.getByRole('group', { name: `Manage ${names.bob}` }).getByRole('button', { name: label }).click();
      await owner.getByTestId('toasts').getByText(`${names.bob} is now ${done}`).waitFor();
      await bob.getByTestId('toasts').getByText(`You are now ${done} of ${roomName}`).waitFor();
      if (label === 'Make moderator') {
        await settings.waitFor();
        // Bob's members list shows his own new badge too (pushed, not reloaded).
        await (await memberRow(bob, names.bob)).getByText('Mod', { exact: true }).waitFor();
      } else {
        await settings.waitFor({ state: 'detached' });
        await expect.poll(() => bob.getByTestId('members-panel').locator(`[data-username="${names.bob}"]`).getByText('Mod', { exact: true }).count()).toBe(0);
      }
    }
  });

  it('the owner opens the settings (axe-clean, light), sets slow mode; members see the hint live', async () => {
    await owner.getByRole('button', { name: 'Room settings' }).click();
    const dialog = owner.getByRole('dialog', { name: `${roomName}: settings` });
    await dialog.getByLabel(/Slow mode/).selectOption('30');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByTestId('settings-status').getByText('Settings saved.').waitFor();
    expect(await axeViolations(owner)).toEqual([]);
    await dialog.getByRole('button', { name: 'Close dialog' }).click();
    await bob.getByTestId('slow-mode-hint').getByText('one message every 30 s').waitFor();
    await sendChat(bob, 'hello under slow mode');
    await bob.getByTestId('slow-mode-hint').getByText(/Next in \d+ s/).waitFor();
  });

  it('the moderator bans bob with the keyboard; bob loses the room with an announcement and cannot rejoin', async () => {
    // No reload: the moderator's page learned the new role from the pushed `member {role}` frame.
    const row = await memberRow(mod, names.bob);
    const manage = row.getByRole('button', { name: `Manage ${names.bob}` });
    await manage.focus();
    await mod.keyboard.press('Enter');
    const group = mod.getByRole('group', { name: `Manage ${names.bob}` });
    await group.getByLabel('Ban reason (optional)').focus();
    await mod.keyboard.type('spamming');
    await mod.keyboard.press('Tab');
    await expect.poll(() => mod.evaluate(() => document.activeElement?.textContent ?? '')).toContain(`Ban ${names.bob}`);
    await mod.keyboard.press('Enter');
    await mod.getByTestId('toasts').getByText(`${names.bob} was banned`).waitFor();

    // Bob: the room leaves the sidebar, the reason is announced, the page offers to join again.
    await bob.getByTestId('toasts').getByText(`You were removed from ${roomName}`).waitFor();
    await bob.getByRole('button', { name: 'Join room' }).waitFor();
    expect(await bob.getByRole('navigation').getByText(roomName).count()).toBe(0);
    await bob.getByRole('button', { name: 'Join room' }).click();
    await bob.getByTestId('toasts').getByText('You are banned from this room').waitFor();
    await bob.reload();
    await bob.getByRole('button', { name: 'Join room' }).waitFor();
  });

  it('the moderator sees the ban and the audit log (axe-clean, dark) and lifts the ban', async () => {
    await mod.getByRole('button', { name: 'Room settings' }).click();
    const dialog = mod.getByRole('dialog', { name: `${roomName}: settings` });
    await dialog.getByRole('button', { name: 'Audit log' }).click();
    await dialog.getByTestId('audit-log').getByText(`banned ${names.bob} (spamming)`, { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Bans' }).click();
    await dialog.getByTestId('bans').getByText(names.bob).waitFor();
    expect(await axeViolations(mod)).toEqual([]);
    await dialog.getByRole('button', { name: `Unban ${names.bob}` }).click();
    await dialog.getByText('Nobody is banned.').waitFor();
    await bob.getByRole('button', { name: 'Join room' }).click();
    await bob.getByRole('textbox', { name: /^Message / }).waitFor();
  });

  it('the owner deletes the room behind a typed confirmation; everyone else is told', async () => {
    await owner.getByRole('button', { name: 'Room settings' }).click();
    const dialog = owner.getByRole('dialog', { name: `${roomName}: settings` });
    const remove = dialog.getByRole('button', { name: 'Delete room' });
    expect(await remove.isDisabled()).toBe(true);
    await dialog.getByLabel(/Delete this room/).fill(roomName);
    await remove.click();
    await owner.waitForURL((url) => !url.pathname.startsWith('/rooms/'));
    for (const page of [mod, bob]) await page.getByTestId('toasts').getByText(`${roomName} was deleted`).waitFor();
  });
});
