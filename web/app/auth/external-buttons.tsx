import { externalStartAddress } from '@/lib/auth/external';
import type { ExternalProvider } from '@/lib/auth/external';

/**
 * "Continue with {provider}", one per configured provider; nothing when there is none. Plain
 * links, not fetches: the API answers with a redirect to the provider, and only a top-level
 * navigation follows it there and back with the cookies it sets. `base` is the browser's API base
 * (`/api` or the API origin); `next` the page's checked next page, handed on through the provider.
 */
export function ExternalSignIn({ providers, base, next }: { providers: readonly ExternalProvider[]; base: string; next: string | null }) {
  if (providers.length === 0) return null;
  return (
    <ul className="external-providers" aria-label="Other ways to sign in">
      {providers.map((provider) => (
        <li key={provider.id}>
          <a className="button-link secondary" href={externalStartAddress(base, provider.id, next)}>
            Continue with {provider.displayName}
          </a>
        </li>
      ))}
    </ul>
  );
}
