import { isCioError } from '../../../src/core/errors.js';

/** Runs `run` and returns the message of the CIO_ERR_CONFIG it must throw. */
export function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isCioError(error) && error.code === 'CIO_ERR_CONFIG') return error.message;
    throw error;
  }
  throw new Error('expected CIO_ERR_CONFIG');
}
