import { mkdirSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { TLSSocket } from 'node:tls'
import { SMTPServer, type SMTPServerSession } from 'smtp-server'
import { x509, type X509 } from '../../auth/x509'
import { writePrivateFileSync } from '../../fs/private-file'
import type { Logger } from '../../log'
import { generateRsaKeyPair, type CertificateAuthority, type TrainingPki } from '../../training/pki'
import type { MssanteConfigFile, MssanteTransportSettings } from './config'

/** In the training folder: the relay's address and the workstation's client certificate, for `chevet` processes. */
export const TRAINING_MSSANTE_FILE = 'mssante.json'
export const TRAINING_SENDER = 'formation@chevet.mssante.test'
const MAX_KEPT = 500

export interface ReceivedMail {
  from: string
  to: string[]
  raw: Buffer
  receivedAt: Date
  /** Subject CN of the client certificate the sender presented. */
  clientCertificate: string | null
}

export interface TrainingMailRelay {
  readonly host: '127.0.0.1'
  readonly port: number
  /** The messages received, oldest first (the last 500); also written to `<dir>/mail/` when there is a dir. */
  readonly messages: ReceivedMail[]
  /** What a workstation needs to send through this relay. */
  readonly settings: MssanteTransportSettings
  /** The next `count` recipients are refused with 451 (a temporary failure): trainers show the retries. */
  failNext(count: number): void
  close(): Promise<void>
}

export interface TrainingMailRelayOptions {
  pki: TrainingPki
  port?: number
  dir?: string | null
  log?: Logger
}

function pem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`
}

async function issue(ca: CertificateAuthority, commonName: string, server: boolean): Promise<{ cert: string; key: string }> {
  const keys = await generateRsaKeyPair()
  const spki = new x509.PublicKey(keys.publicKey)
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([server ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
  ]
  if (server) {
    extensions.push(new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]))
  }
  const now = Date.now()
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^./, '1'),
    subject: `C=FR, O=Chevet formation, CN=${commonName}`,
    issuer: ca.certificate.subjectName,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 5 * 365 * 86_400_000),
    publicKey: spki,
    signingKey: ca.signingKey,
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    extensions,
  })
  return { cert: certificate.toString('pem') + '\n' + ca.certificate.toString('pem') + '\n', key: pem('PRIVATE KEY', keys.privateKey) }
}

/**
 * The training environment's MSSanté relay (DESIGN.md §7): smtp-server on 127.0.0.1 that speaks STARTTLS only,
 * asks for a client certificate issued by the training CA (the operator's mutual authentication), and keeps what it
 * receives so the trainer and the tests can read it. Its certificates are fresh at each start.
 */
export async function startTrainingMailRelay(options: TrainingMailRelayOptions): Promise<TrainingMailRelay> {
  const ca = options.pki.intermediate
  const [serverCert, clientCert] = await Promise.all([issue(ca, 'relais-mssante.formation.chevet.test', true), issue(ca, TRAINING_SENDER, false)])
  const caPem = options.pki.root.certificate.toString('pem') + '\n'
  const messages: ReceivedMail[] = []
  const peers = new Map<string, string | null>()
  let failures = 0
  const mailDir = options.dir ? path.join(options.dir, 'mail') : null
  if (mailDir) mkdirSync(mailDir, { recursive: true, mode: 0o700 })

  const server = new SMTPServer({
    secure: false,
    key: serverCert.key,
    cert: serverCert.cert,
    ca: caPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    authOptional: true,
    disabledCommands: ['AUTH'],
    size: 25 * 1024 * 1024,
    banner: 'Relais MSSanté de formation Chevet',
    logger: false,
    onSecure(socket, session: SMTPServerSession, callback) {
      const peer = (socket as TLSSocket).getPeerCertificate?.()
      peers.set(session.id, peer?.subject?.CN ? String(peer.subject.CN) : null)
      callback()
    },
    onMailFrom(_address, session, callback) {
      if (!session.secure) {
        callback(Object.assign(new Error('STARTTLS requis'), { responseCode: 530 }))
        return
      }
      callback()
    },
    onRcptTo(_address, _session, callback) {
      if (failures > 0) {
        failures -= 1
        callback(Object.assign(new Error('Service temporairement indisponible (formation)'), { responseCode: 451 }))
        return
      }
      callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          receivedAt: new Date(),
          clientCertificate: peers.get(session.id) ?? null,
        }
        messages.push(mail)
        if (messages.length > MAX_KEPT) messages.shift()
        if (mailDir) writePrivateFileSync(path.join(mailDir, `${mail.receivedAt.getTime()}-${session.id}.eml`), mail.raw, 'replace')
        callback()
      })
    },
    onClose(session) {
      peers.delete(session.id)
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  // A client refused at the handshake (no certificate, an unknown CA) is an error of that connection, not of the relay.
  server.on('error', (error: Error & { code?: string }) => options.log?.warn('mssante.relay.connection-error', { code: error.code ?? 'unknown' }))
  const port = (server.server.address() as AddressInfo).port
  const settings: MssanteTransportSettings = {
    host: '127.0.0.1',
    port,
    from: TRAINING_SENDER,
    tls: { cert: clientCert.cert, key: clientCert.key, ca: caPem },
    maxAttempts: 4,
    retryBaseMs: 2_000,
  }
  if (options.dir) writeTrainingMssanteFiles(options.dir, settings)

  return {
    host: '127.0.0.1',
    port,
    messages,
    settings,
    failNext(count) {
      failures = Math.max(0, Math.floor(count))
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** `<dir>/mssante.json` in the config file's own shape, with its certificate files beside it. */
function writeTrainingMssanteFiles(dir: string, settings: MssanteTransportSettings): void {
  writePrivateFileSync(path.join(dir, 'mssante-client.pem'), settings.tls.cert, 'replace')
  writePrivateFileSync(path.join(dir, 'mssante-client.key'), settings.tls.key, 'replace')
  writePrivateFileSync(path.join(dir, 'mssante-ca.pem'), settings.tls.ca ?? '', 'replace')
  const file: MssanteConfigFile = {
    host: settings.host,
    port: settings.port,
    from: settings.from,
    clientCertPath: 'mssante-client.pem',
    clientKeyPath: 'mssante-client.key',
    caPath: 'mssante-ca.pem',
    retryBaseSeconds: settings.retryBaseMs / 1000,
  }
  writePrivateFileSync(path.join(dir, TRAINING_MSSANTE_FILE), JSON.stringify(file, null, 2) + '\n', 'replace')
}
