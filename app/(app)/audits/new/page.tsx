import type { Metadata } from 'next';
import crypto from 'node:crypto';
import { PageHeader } from '@/components/ui/card';
import { CreateAuditForm } from '@/components/audits/create-audit-form';
import { requirePageUser } from '@/lib/auth/session';
import { auditScopeOptions } from '@/lib/audit/queries';
import { DEFAULT_REASON_TAGS } from '@/lib/audit/config';

export const metadata: Metadata = { title: 'New audit' };

export default async function NewAuditPage() {
  await requirePageUser('audits:write');
  const options = await auditScopeOptions();
  return (
    <>
      <PageHeader title="New audit" description="Choose what to sample, how many pairs, and what reviewers judge. The same seed always draws the same sample." />
      <CreateAuditForm options={options} defaultSeed={crypto.randomBytes(4).toString('hex')} defaultReasonTags={[...DEFAULT_REASON_TAGS]} />
    </>
  );
}
