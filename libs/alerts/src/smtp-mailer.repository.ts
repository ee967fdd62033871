import { createTransport } from 'nodemailer';
import type { AlertMessage } from './alert-message.js';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when offered. */
  secure: boolean;
  /** Refuse to send when the server does not offer STARTTLS. */
  requireTls: boolean;
  username: string | null;
  /** Plaintext here; stored sealed in the catalog and opened only to send. */
  password: string | null;
  from: string;
  to: readonly string[];
  /** Accept a self-signed server certificate (a LAN relay). */
  allowSelfSigned?: boolean;
}

export interface MailDelivery {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

/** Sends alert messages over SMTP. One connection per message: alerts are rare. */
export class SmtpMailerRepository {
  async send(settings: SmtpSettings, message: AlertMessage): Promise<MailDelivery> {
    const transport = createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTls,
      auth: settings.username ? { user: settings.username, pass: settings.password ?? '' } : undefined,
      tls: settings.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
    try {
      const info = await transport.sendMail({
        from: settings.from,
        to: [...settings.to],
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: { 'X-BackTrac-Alert': message.type, 'X-BackTrac-Severity': message.severity },
      });
      const addr = (list: unknown): string[] => (Array.isArray(list) ? list.map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address))) : []);
      return { messageId: String(info.messageId), accepted: addr(info.accepted), rejected: addr(info.rejected) };
    } finally {
      transport.close();
    }
  }
}
