import type { Page } from 'playwright-core';
import { beforeAll, expect, it } from 'vitest';
import { axeViolations, browserSuite, createRoom, describeInBrowser, postMessage, register, screenshot, uniqueName } from './harness';

/**
 * Message search in the browser (issue 12): Ctrl+K opens it (lazy), results are grouped by room
 * with the matched words in <mark>, arrows and Enter open an old message far back in another
 * room's history, highlighted; "this room only" narrows the results; axe-clean light and dark.
 */
describeInBrowser('message search in the browser', () => {
  const suite = browserSuite({ SEND_RATE_PER_SEC: '1000', SEND_BURST: '1000' });
  let page: Page;
  const name = uniqueName('seeker');
  const suffix = Date.now().toString(36);
  const oldRoom = `Archive ${suffix}`;
  const newRoom = `Lobby ${suffix}`;
  let oldRoomId = '';
  let newRoomId = '';
  let oldSeq = 0;

  const post = (roomId: string, body: string) => postMessage(page, roomId, body);

  beforeAll(async () => {
    page = await suite.page();
    await register(page, name);
    oldRoomId = await createRoom(page, oldRoom);
    oldSeq = (await post(oldRoomId, 'The budget for the Zanzibar offsite is settled')).seq;
    for (let i = 0; i < 150; i++) await post(oldRoomId, `filler message ${i}`);
    newRoomId = await createRoom(page, newRoom);
    await post(newRoomId, 'Anyone been to zanzibar?');
  });

  it('Ctrl+K, results grouped by room with marks, Enter opens the old message highlighted', async () => {
    await page.goto(`/rooms/${newRoomId}`);
    await page.getByRole('textbox', { name: /^Message / }).waitFor();
    await page.keyboard.press('Control+k');
    const input = page.getByRole('combobox', { name: 'Search messages' });
    await input.waitFor();
    await input.fill('zanzibar');
    const list = page.getByRole('listbox', { name: 'Messages found' });
    await list.getByRole('option').nth(1).waitFor();
    const groups = list.getByRole('group');
    expect(await groups.count()).toBe(2);
    // Newest match first: the lobby's group, then the archive's.
    expect(await groups.nth(0).getAttribute('aria-labelledby')).toBeTruthy();
    expect(await groups.nth(0).textContent()).toContain(newRoom);
    expect(await groups.nth(1).textContent()).toContain(oldRoom);
    expect(await list.locator('mark').allTextContents()).toEqual(['zanzibar', 'Zanzibar']);
    await expect(axeViolations(page)).resolves.toEqual([]);
    await screenshot(page, 'search-light');
    await input.press('ArrowDown');
    await input.press('ArrowDown');
    const active = await input.getAttribute('aria-activedescendant');
    expect(await page.locator(`[id="${active}"]`).textContent()).toContain('budget');
    await input.press('Enter');
    await page.waitForURL(`**/rooms/${oldRoomId}`);
    const original = page.locator(`[data-testid="message"][data-seq="${oldSeq}"]`);
    await original.waitFor();
    await expect.poll(() => original.getAttribute('data-highlighted')).toBe('true');
    expect(await original.isVisible()).toBe(true);
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('the visible button opens it too; "this room only" narrows to the open room; axe in dark', async () => {
    await page.goto(`/rooms/${newRoomId}`);
    await page.getByRole('textbox', { name: /^Message / }).waitFor();
    await page.getByRole('button', { name: 'Search messages' }).click();
    const input = page.getByRole('combobox', { name: 'Search messages' });
    await input.fill('zanzibar');
    const options = page.getByRole('listbox', { name: 'Messages found' }).getByRole('option');
    await expect.poll(() => options.count()).toBe(2);
    await page.getByRole('checkbox', { name: /Search this room only/ }).check();
    await expect.poll(() => options.count()).toBe(1);
    expect(await options.first().textContent()).toContain('Anyone been to');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(axeViolations(page)).resolves.toEqual([]);
    await screenshot(page, 'search-dark');
    await options.first().click();
    await page.waitForURL(`**/rooms/${newRoomId}`);
    expect(await page.getByRole('dialog').count()).toBe(0);
  });
});
