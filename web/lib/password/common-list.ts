import commonPasswords from './common-passwords.json';
import { commonPasswordKey } from './strength';

/** The API's common-password list as a set (about 100 KB, loaded with import() on the first keystroke). */
const common = new Set(commonPasswords.map(commonPasswordKey));

export const isCommon = (password: string): boolean => common.has(commonPasswordKey(password));
