import type { ReactNode } from 'react';
import { PublicFrame } from '@/components/page-frame';

export default function AuthLayout({ children }: { children: ReactNode }) {
  return <PublicFrame>{children}</PublicFrame>;
}
