import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { listMail, mailUrl, newMailAddress, sendMail, waitForMail } from './support/mail';

// The mail catcher the suite (and ./run.sh) sends the API's mail to: what a newcomer sees of a mail,
// and the JSON the other specs read their mails through (support/mail.ts).
test.describe('mail catcher', () => {
  test('a mail sent over SMTP is read back with its link and token, and its page lists it', async ({ page, baseURL }) => {
    const to = newMailAddress();
    const token = randomBytes(16).toString('base64url');
    const link = `${baseURL}/auth/log-in?token=${token}`;
    await sendMail({
      to,
      subject: 'Verify your address',
      text: `Hello,\n\nopen this link to verify your address:\n${link}\n`,
      html: `<p id="greeting">Hello</p><script>document.getElementById('greeting').textContent = 'a script ran'</script><p><a href="${link}">Verify</a></p>`,
    });

    const mail = await waitForMail(to, { subject: /verify/i });
    expect(mail.subject).toBe('Verify your address');
    expect(mail.to).toEqual([to]);
    expect(mail.link).toBe(link);
    expect(mail.token).toBe(token);
    expect(mail.path).toBe(`/auth/log-in?token=${token}`);
    expect(mail.html).toContain('<p id="greeting">Hello</p>');

    await page.goto(mailUrl());
    await expect(page).toHaveTitle(/Mail catcher/);
    const row = page.getByRole('row').filter({ hasText: to });
    await expect(row).toHaveCount(1);
    await row.getByRole('link', { name: 'Verify your address' }).click();

    await expect(page.getByRole('heading', { level: 1, name: 'Verify your address' })).toBeVisible();
    // The text part, its link clickable.
    await expect(page.locator('pre').getByRole('link', { name: link })).toHaveAttribute('href', link);
    // The HTML part, in a sandbox where the mail's script does not run.
    await expect(page.locator('iframe')).toHaveAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
    const html = page.frameLocator('iframe');
    await expect(html.getByRole('link', { name: 'Verify' })).toBeVisible(); // after the script in the document
    await expect(html.locator('#greeting')).toHaveText('Hello');

    // Its link opens the web app in a tab of its own, outside the sandbox (the app refuses to be framed).
    const opened = page.waitForEvent('popup');
    await html.getByRole('link', { name: 'Verify' }).click();
    const tab = await opened;
    await expect(tab).toHaveURL(link);
    await expect(tab.getByRole('button', { name: 'Log in' })).toBeVisible();
    await tab.close();
  });

  test('waitForMail waits for a mail that has not come yet, and tells a later one from an earlier', async () => {
    const to = newMailAddress();
    await sendMail({ to, subject: 'First', text: 'one http://localhost/a?token=first' });
    const first = await waitForMail(to);

    const waiting = waitForMail(to, { after: first });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sendMail({ to, subject: 'Second', text: 'two http://localhost/a?token=second' });

    const second = await waiting;
    expect(second.subject).toBe('Second');
    expect(second.token).toBe('second');
    expect((await listMail(to)).map((mail) => mail.subject)).toEqual(['Second', 'First']);
    await expect(waitForMail(to, { subject: 'third', timeoutMs: 300 })).rejects.toThrow(`No mail to ${to} with subject third`);
  });
});
