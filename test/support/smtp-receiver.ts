import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { TlsMaterial } from '../../src/sim/tls.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The session had switched to TLS (STARTTLS) before the mail. */
  secure: boolean;
  user?: string;
  mail: ParsedMail;
}

/**
 * A real SMTP server on loopback: STARTTLS with the given certificate, AUTH only after TLS,
 * the first `refuseFirst` MAIL FROM answered with a passing 451, and the `refuse` recipients
 * with a permanent 550.
 */
export async function startSmtpReceiver({ tls, user, pass, refuseFirst = 0, refuse = [] }: { tls: TlsMaterial; user: string; pass: string; refuseFirst?: number; refuse?: string[] }) {
  const received: ReceivedMail[] = [];
  let refusals = refuseFirst;
  const server = new SMTPServer({
    secure: false,
    key: tls.key,
    cert: tls.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) callback(null, { user: auth.username });
      else callback(new Error('invalid credentials'));
    },
    onMailFrom(_address, _session, callback) {
      if (refusals-- > 0) callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
      else callback();
    },
    onRcptTo(address, _session, callback) {
      if (refuse.includes(address.address)) callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: session.user as string | undefined,
            mail,
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    received,
    /** Resolves once `count` mails arrived (or fails after `timeoutMs`). */
    async waitFor(count: number, timeoutMs = 20_000): Promise<ReceivedMail[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`${received.length} of ${count} mails arrived`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
