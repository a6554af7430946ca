// The polyfill must be evaluated before @peculiar/x509 loads tsyringe, which checks for it at import time.
import './reflect-metadata.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// The provider is typed with the DOM's Crypto, which Node's webcrypto implements.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

export { x509 };
