import { expect, it, vi } from 'vitest';
import { browserSuite, createRoom, describeInBrowser, register, screenshot, sendChat, uniqueName } from './harness';

/** What people see when the server refuses or ends things: rate limits, logout, ended sessions. */
describeInBrowser('refusals and session ends', () => {
  // A tight send limit: a burst of 2, then one per second.
  const suite = browserSuite({ SEND_RATE_PER_SEC: '1', SEND_BURST: '2' });

  it('shows a rate-limited message as failed with a retry, and never loses it', async () => {
    const ctx = await suite.context();
    const page = await ctx.newPage();
    await register(page, uniqueName('fast'));
    await createRoom(page, `Speedy ${Date.now().toString(36)}`);
    for (const n of [1, 2, 3, 4]) await sendChat(page, `burst ${n}`);
    const failed = page.locator('[data-testid="message"][data-status="failed"]');
    await failed.first().waitFor();
    await expect(failed.first().textContent()).resolves.toMatch(/Too fast/);
    await screenshot(page, 'rate-limited');
    // Retry each failed message after the bucket refills.
    for (let i = 0; i < 10 && (await failed.count()) > 0; i++) {
      await page.waitForTimeout(1200);
      await failed.first().getByRole('button', { name: 'Retry' }).click();
      await page.waitForTimeout(200);
    }
    await page.waitForTimeout(500);
    expect(await failed.count()).toBe(0);
    for (const n of [1, 2, 3, 4]) {
      await page.locator('[data-testid="message"][data-status="sent"]').filter({ hasText: `burst ${n}` }).waitFor();
    }
    await ctx.close();
  });

  it('logs out, and a tab whose session ended elsewhere goes back to the login form', async () => {
    const ctx = await suite.context();
    const one = await ctx.newPage();
    const name = uniqueName('tabs');
    await register(one, name);
    const roomId = await createRoom(one, `Tabs ${Date.now().toString(36)}`);
    const two = await ctx.newPage();
    await two.goto(`/rooms/${roomId}`);
    await two.getByTestId('room-title').waitFor();
    await one.getByRole('button', { name: 'Log out' }).click();
    await one.getByRole('heading', { name: 'Welcome back' }).waitFor();
    // The other tab learns from the server (close 4001) and asks to log in again, staying on the room's address.
    await two.getByRole('heading', { name: 'Welcome back' }).waitFor({ timeout: 15_000 });
    expect(new URL(two.url()).pathname).toBe(`/rooms/${roomId}`);
    await two.getByLabel('Username or email').fill(name);
    await two.getByLabel('Password').fill('correct horse battery');
    await two.getByRole('button', { name: 'Log in' }).click();
    await two.getByTestId('room-title').waitFor();
    // Wrong password: a clear message.
    await one.getByLabel('Username or email').fill(name);
    await one.getByLabel('Password').fill('wrong password');
    await one.getByRole('button', { name: 'Log in' }).click();
    await one.getByTestId('error-form').filter({ hasText: 'Wrong username, email or password.' }).waitFor();
    await ctx.close();
  });

  it('the harness: a sign-up page whose first load did not render is reloaded once, with a warning', async () => {
    const page = await suite.page();
    let loads = 0;
    // The first load of the app's entry script fails, as a start-up stall could make it.
    await page.route(/\/assets\/index-[^/]*\.js$/, (route) => (loads++ === 0 ? route.abort() : route.continue()));
    const warn = vi.spyOn(console, 'warn');
    try {
      await register(page, uniqueName('retry'));
      expect(loads).toBe(2);
      expect(warn).toHaveBeenCalledWith('[e2e] /register did not render its form on the first load; reloading once');
    } finally {
      warn.mockRestore();
    }
  });
});
