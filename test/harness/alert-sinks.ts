import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** What alert deliveries reach: a real SMTP server and a real HTTP receiver on loopback. */

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  /** The whole message as sent (headers and body). */
  raw: string;
}

export interface MailSink {
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** An SMTP server without TLS that accepts only the given login and records every message. */
export async function startMailSink(login: { username: string; password: string }): Promise<MailSink> {
  const mails: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === login.username && auth.password === login.password) cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return {
    port: (smtp.server.address() as AddressInfo).port,
    mails,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookSink {
  /** Base URL, without a path. */
  url: string;
  hooks: ReceivedHook[];
  close(): Promise<void>;
}

/** An HTTP receiver that records every request; `/broken` answers 500, anything else 204. */
export async function startWebhookSink(): Promise<WebhookSink> {
  const hooks: ReceivedHook[] = [];
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = req.url === '/broken' ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    hooks,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
