import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/card';
import { EndpointsAdmin } from '@/components/llm-endpoints/endpoints-admin';
import { requirePageUser } from '@/lib/auth/session';
import { can } from '@/lib/auth/permissions';
import { listEndpoints } from '@/lib/llm/endpoints';

export const metadata: Metadata = { title: 'Providers' };

export default async function ProvidersPage() {
  const user = await requirePageUser('providers:read');
  const endpoints = await listEndpoints();
  const canManage = can(user.role, 'providers:manage');
  return (
    <>
      <PageHeader
        title="Model providers"
        description="OpenAI-compatible endpoints (OpenAI, vLLM, Ollama, llama.cpp, LM Studio, OpenRouter, Together…) with their limits and prices. API keys stay on the server: they are stored encrypted or read from an environment variable, and only their last four characters are shown."
      />
      <EndpointsAdmin endpoints={endpoints} canManage={canManage} />
    </>
  );
}
