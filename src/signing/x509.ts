// The polyfill must be evaluated before @peculiar/x509 loads tsyringe, which checks for it at import time.
import './reflect-metadata.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
