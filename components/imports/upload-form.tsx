'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';

import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/field';
import { ProgressBar } from '@/components/ui/progress';

import { formatBytes } from './format';

const accepted = '.csv,.tsv,.tab,.jsonl,.ndjson,.json,.parquet,.txt,.text,.gz';

/**
 * Sends the file itself as the request body (XMLHttpRequest for upload progress); the browser
 * streams it from disk and the server streams it to disk, so size is limited only by the 2 GB cap.
 */
export function UploadForm({ maxBytes }: { maxBytes: number }) {
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  function upload(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    if (!file) return setError('Choose a file first.');
    if (file.size > maxBytes) {
      return setError(`The file is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}. Split it into smaller files, or import it on the server with \`npm run import\`.`);
    }
    if (file.size === 0) return setError('The file is empty.');
    const request = new XMLHttpRequest();
    request.open('POST', '/api/imports/uploads');
    request.setRequestHeader('Content-Type', 'application/octet-stream');
    request.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
    request.upload.onprogress = (progress) => setSent(progress.loaded);
    request.onload = () => {
      let body: { importId?: string; error?: string } = {};
      try {
        body = JSON.parse(request.responseText) as typeof body;
      } catch {
        body = {};
      }
      if (request.status === 201 && body.importId) {
        router.push(`/corpora/imports/${body.importId}`);
        return;
      }
      setSent(null);
      setError(body.error ?? `The upload failed (HTTP ${request.status}).`);
    };
    request.onerror = () => {
      setSent(null);
      setError('The upload failed: the connection was lost.');
    };
    setSent(0);
    request.send(file);
  }

  const uploading = sent !== null;
  return (
    <form aria-label="Upload a file" onSubmit={upload} className="max-w-xl space-y-4">
      <Field
        label="File"
        htmlFor="import-file"
        hint={`CSV, TSV, JSONL, JSON array, Parquet or plain text (one item per line), optionally gzip-compressed; up to ${formatBytes(maxBytes)}.`}
        error={error ?? undefined}
      >
        <Input
          id="import-file"
          type="file"
          accept={accepted}
          disabled={uploading}
          onChange={(event) => {
            setError(null);
            setFile(event.target.files?.[0] ?? null);
          }}
        />
      </Field>
      {uploading && file && (
        <div className="space-y-1">
          <ProgressBar value={sent} max={file.size} label="Upload progress" />
          <p className="text-xs text-slate-500">
            Uploading {formatBytes(sent)} of {formatBytes(file.size)}…
          </p>
        </div>
      )}
      <Button type="submit" disabled={uploading || !file}>
        {uploading ? 'Uploading…' : 'Upload and continue'}
      </Button>
    </form>
  );
}
