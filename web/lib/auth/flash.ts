/**
 * A sentence for the next page to show once ("Local provider is now linked."), left in this tab's
 * sessionStorage by a page that leaves with a full page load. Not in the address: a crafted link
 * cannot make the site say something, and a reload does not say it again.
 */
const FLASH_KEY = 'gatehouse:flash';
const MAX_LENGTH = 200;

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const sessionStore = (): Store | undefined => {
  try {
    return window.sessionStorage;
  } catch {
    return undefined; // blocked by the browser's settings: the page shows its state without the sentence
  }
};

export function leaveFlash(message: string, store: Store | undefined = sessionStore()): void {
  try {
    store?.setItem(FLASH_KEY, message.slice(0, MAX_LENGTH));
  } catch {
    // full or blocked: nothing to show, nothing lost
  }
}

/** The sentence left for this page, once: it is gone after this call. */
export function takeFlash(store: Store | undefined = sessionStore()): string | null {
  try {
    const message = store?.getItem(FLASH_KEY) ?? null;
    store?.removeItem(FLASH_KEY);
    return message ? message.slice(0, MAX_LENGTH) : null;
  } catch {
    return null;
  }
}
