import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { z } from 'zod';

/**
 * The suite's mail catcher (server/tools/Gatehouse.MailCatcher), which playwright.config.ts starts
 * and every API of the suite sends its mail to: read mails back through its JSON API.
 * Give each test an address of its own (`newMailAddress()`); the catcher is shared by the workers.
 */

/** The catcher's page, e.g. for a browser to open. */
export const mailUrl = () => process.env.E2E_MAIL_URL ?? '';

const caughtMail = z.object({
  id: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  subject: z.string(),
  receivedAt: z.string(),
  text: z.string().nullable(),
  html: z.string().nullable(),
});

export interface Mail extends z.infer<typeof caughtMail> {
  /** The first http(s) link of the text part (else of the HTML part), or null. */
  readonly link: string | null;
  /** That link's `token` query parameter, or null. */
  readonly token: string | null;
  /**
   * The link's path and query, e.g. `/auth/verify-email?token=…`, for `page.goto(mail.path)` on the
   * test's own web server: the links name the same-origin one (Gatehouse:PublicWebUrl), also in direct mode.
   */
  readonly path: string | null;
}

export interface WaitForMailOptions {
  /** A part of the subject (case-insensitive), or a pattern it matches. */
  readonly subject?: RegExp | string;
  /** How long to wait; default 15 s (the API's outbox sends within a second or two). */
  readonly timeoutMs?: number;
  /** Only a mail that came after this one (e.g. the second reset mail to the same address). */
  readonly after?: Pick<Mail, 'id'>;
}

/** A fresh address, so a test's mails are its own. */
export const newMailAddress = (label = 'e2e') => `${label}-${randomBytes(5).toString('hex')}@example.com`;

/** Every mail the catcher holds, newest first; only those to `to` when given. */
export async function listMail(to?: string): Promise<Mail[]> {
  const query = to === undefined ? '' : `?to=${encodeURIComponent(to)}`;
  const response = await fetch(`${mailUrl()}/api/messages${query}`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`The mail catcher answered ${response.status} at ${mailUrl()}`);
  return z.array(caughtMail).parse(await response.json()).map(withLink);
}

/** The newest mail to `to` that matches `options`, waiting for it to arrive. */
export async function waitForMail(to: string, options: WaitForMailOptions = {}): Promise<Mail> {
  const { subject, timeoutMs = 15_000, after } = options;
  const matches = (mail: Mail) =>
    (subject === undefined ||
      (typeof subject === 'string' ? mail.subject.toLowerCase().includes(subject.toLowerCase()) : subject.test(mail.subject))) &&
    (after === undefined || Number(mail.id) > Number(after.id));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = await listMail(to);
    const found = mails.find(matches);
    if (found) return found;
    if (Date.now() > deadline) {
      const seen = mails.map((mail) => `"${mail.subject}"`).join(', ') || 'none';
      throw new Error(`No mail to ${to}${subject === undefined ? '' : ` with subject ${String(subject)}`} within ${timeoutMs} ms; mails to it: ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Deletes the mails to `to`, or every mail when no address is given (other workers' too: prefer an address). */
export async function clearMail(to?: string): Promise<void> {
  const query = to === undefined ? '' : `?to=${encodeURIComponent(to)}`;
  const response = await fetch(`${mailUrl()}/api/messages${query}`, { method: 'DELETE' });
  if (response.status !== 204) throw new Error(`The mail catcher answered ${response.status} to DELETE`);
}

function withLink(mail: z.infer<typeof caughtMail>): Mail {
  const link = linkIn(mail.text ?? '') ?? hrefIn(mail.html ?? '');
  let token: string | null = null;
  let path: string | null = null;
  if (link) {
    try {
      const url = new URL(link);
      token = url.searchParams.get('token');
      path = url.pathname + url.search;
    } catch {
      // not a URL after all
    }
  }
  return { ...mail, link, token, path };
}

const linkIn = (text: string) => /https?:\/\/[^\s<>"']+/.exec(text)?.[0] ?? null;

function hrefIn(html: string): string | null {
  const href = /href="(https?:\/\/[^"]+)"/i.exec(html)?.[1];
  return href === undefined ? null : href.replaceAll('&amp;', '&');
}

/**
 * Sends a mail to the catcher over plain SMTP from this process (a short raw SMTP exchange: the
 * catcher is ours and on loopback), as text, or text and HTML.
 */
export async function sendMail(mail: { to: string; subject: string; text: string; html?: string; from?: string }): Promise<void> {
  const port = Number(process.env.E2E_SMTP_PORT);
  const socket = createConnection(port, '127.0.0.1');
  socket.setEncoding('utf8');
  socket.setTimeout(10_000, () => socket.destroy(new Error('SMTP: no answer within 10 s')));
  let buffer = '';
  const replies: string[] = [];
  const waiting: Array<{ resolve: (reply: string) => void; reject: (error: Error) => void }> = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply ends with a line whose code is followed by a space (earlier lines have "250-").
    for (let match = /^(?:\d{3}-.*\r\n)*\d{3}(?: .*)?\r\n/.exec(buffer); match; match = /^(?:\d{3}-.*\r\n)*\d{3}(?: .*)?\r\n/.exec(buffer)) {
      buffer = buffer.slice(match[0].length);
      const waiter = waiting.shift();
      if (waiter) waiter.resolve(match[0]);
      else replies.push(match[0]);
    }
  });
  socket.on('error', (error) => {
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  });
  const reply = () =>
    new Promise<string>((resolve, reject) => {
      const ready = replies.shift();
      if (ready !== undefined) resolve(ready);
      else waiting.push({ resolve, reject });
    });
  const send = async (line: string, code: string) => {
    if (line) socket.write(`${line}\r\n`);
    const answer = await reply();
    if (!answer.startsWith(code)) throw new Error(`SMTP: "${line}" got ${answer.trim()}`);
  };
  try {
    const from = mail.from ?? 'e2e@example.com';
    await send('', '220');
    await send('EHLO e2e.localhost', '250');
    await send(`MAIL FROM:<${from}>`, '250');
    await send(`RCPT TO:<${mail.to}>`, '250');
    await send('DATA', '354');
    await send(`${mime({ ...mail, from })}\r\n.`, '250');
    await send('QUIT', '221');
  } finally {
    socket.destroy();
  }
}

// Base64 bodies and an encoded subject: no line starts with a dot and any text is 7-bit safe.
function mime(mail: { from: string; to: string; subject: string; text: string; html?: string }): string {
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64').replace(/.{76}(?=.)/g, '$&\r\n');
  const part = (type: string, body: string) => `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64(body)}`;
  const headers = [
    `From: <${mail.from}>`,
    `To: <${mail.to}>`,
    `Subject: =?UTF-8?B?${Buffer.from(mail.subject, 'utf8').toString('base64')}?=`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomBytes(8).toString('hex')}@e2e.localhost>`,
    'MIME-Version: 1.0',
  ];
  if (mail.html === undefined) return [...headers, part('text/plain', mail.text)].join('\r\n');
  const boundary = `b-${randomBytes(8).toString('hex')}`;
  return [
    ...headers,
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    part('text/plain', mail.text),
    `--${boundary}`,
    part('text/html', mail.html),
    `--${boundary}--`,
  ].join('\r\n');
}
