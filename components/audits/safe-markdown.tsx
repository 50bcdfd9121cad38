import { Fragment, type ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from '@/lib/audit/markdown';

/**
 * Renders the guidelines subset of markdown as React elements: never HTML strings, never images;
 * links only to http(s), opened with rel="noopener noreferrer nofollow".
 */
export function SafeMarkdown({ source, className = '' }: { source: string; className?: string }) {
  const blocks = parseMarkdown(source);
  return (
    <div className={`space-y-2 text-sm leading-6 text-slate-800 dark:text-slate-200 ${className}`} data-testid="safe-markdown">
      {blocks.map((block, index) => (
        <Fragment key={index}>{renderBlock(block)}</Fragment>
      ))}
    </div>
  );
}

const headingClasses = ['text-lg font-semibold', 'text-base font-semibold', 'text-sm font-semibold', 'text-sm font-semibold', 'text-sm font-medium', 'text-sm font-medium'];

function renderInlines(nodes: readonly Inline[]): ReactNode {
  return nodes.map((node, index) => <Fragment key={index}>{inlineRenderers[node.type](node as never)}</Fragment>);
}

const inlineRenderers: { [K in Inline['type']]: (node: Extract<Inline, { type: K }>) => ReactNode } = {
  text: (node) => node.text,
  strong: (node) => <strong className="font-semibold">{renderInlines(node.children)}</strong>,
  em: (node) => <em>{renderInlines(node.children)}</em>,
  code: (node) => <code className="rounded bg-slate-100 px-1 font-mono text-[0.85em] dark:bg-slate-800">{node.text}</code>,
  link: (node) =>
    node.href ? (
      <a href={node.href} target="_blank" rel="noopener noreferrer nofollow" className="text-indigo-600 underline dark:text-indigo-400">
        {renderInlines(node.children)}
      </a>
    ) : (
      <span>{renderInlines(node.children)}</span>
    ),
};

const blockRenderers: { [K in Block['type']]: (block: Extract<Block, { type: K }>) => ReactNode } = {
  heading: (block) => {
    const Tag = `h${Math.min(6, block.level + 1)}` as 'h2';
    return <Tag className={headingClasses[block.level - 1]}>{renderInlines(block.children)}</Tag>;
  },
  paragraph: (block) => <p>{renderInlines(block.children)}</p>,
  list: (block) => {
    const items = block.items.map((item, index) => <li key={index}>{renderInlines(item)}</li>);
    return block.ordered ? <ol className="list-decimal space-y-1 pl-5">{items}</ol> : <ul className="list-disc space-y-1 pl-5">{items}</ul>;
  },
  code: (block) => <pre className="overflow-x-auto rounded bg-slate-100 p-2 font-mono text-xs dark:bg-slate-800">{block.text}</pre>,
};

function renderBlock(block: Block): ReactNode {
  return blockRenderers[block.type](block as never);
}
