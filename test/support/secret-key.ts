import { SecretKeyring, useSecretKeys } from '../../src/security/secret-box.js';

/**
 * The data key of every test (base64 of 32 fixed bytes): never a key of a real instance. Set in the environment too,
 * so that servers and CLI commands a test starts load it instead of creating `<data>/secret.key`.
 */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** Installs the test key for the repositories and the environment. Idempotent. */
export function useTestSecretKey(): SecretKeyring {
  process.env['OPENMDS_SECRET_KEY'] = TEST_SECRET_KEY;
  const keyring = new SecretKeyring(Buffer.from(TEST_SECRET_KEY, 'base64'));
  useSecretKeys(keyring);
  return keyring;
}

useTestSecretKey();
