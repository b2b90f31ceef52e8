/**
 * Certificates for TLS tests, made with the openssl command: a CA, a server
 * certificate for localhost and 127.0.0.1 (also good as a client, as the
 * health check uses it under mutual TLS), a client certificate from the same
 * CA, and a client certificate from a CA nobody trusts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certs {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** signed by another, untrusted CA */
  strangerCert: string;
  strangerKey: string;
  read(file: string): Buffer;
}

/** Runs openssl with a command line of words (no word here has a space). */
const openssl = (dir: string, line: string): void => {
  execFileSync('openssl', line.split(' '), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
};

const NEW_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    `req -x509 ${NEW_KEY} -keyout ${name}.key -out ${name}.crt -days 2 -subj /CN=${name}` +
      ' -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign',
  );
}

function issue(dir: string, ca: string, name: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, `req ${NEW_KEY} -keyout ${name}.key -out ${name}.csr -subj /CN=${name}`);
  openssl(
    dir,
    `x509 -req -in ${name}.csr -CA ${ca}.crt -CAkey ${ca}.key -CAcreateserial -out ${name}.crt -days 2` +
      ` -extfile ${name}.ext`,
  );
}

export function makeCerts(dir: string): Certs {
  makeCa(dir, 'ca');
  makeCa(dir, 'stranger-ca');
  issue(dir, 'ca', 'server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  issue(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'stranger-ca', 'stranger', 'extendedKeyUsage=clientAuth\n');
  const at = (f: string): string => join(dir, f);
  return {
    dir,
    ca: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    strangerCert: at('stranger.crt'),
    strangerKey: at('stranger.key'),
    read: (file) => readFileSync(file),
  };
}
