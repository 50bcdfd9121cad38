import Link from 'next/link';

const tabs = [
  { key: 'pairs', href: '/review', label: 'Pairs' },
  { key: 'instructions', href: '/review/instructions', label: 'Instructions' },
  { key: 'dashboards', href: '/review/dashboard', label: 'Dashboards' },
] as const;

export type ReviewTab = (typeof tabs)[number]['key'];

export function ReviewTabs({ current }: { current: ReviewTab }) {
  return (
    <nav aria-label="Review views" className="mb-4 flex gap-1 border-b border-slate-200 dark:border-slate-800">
      {tabs.map((tab) => (
        <Link
          key={tab.key}
          href={tab.href}
          aria-current={tab.key === current ? 'page' : undefined}
          className={`-mb-px border-b-2 px-3 py-2 text-sm ${
            tab.key === current ? 'border-indigo-500 font-medium text-indigo-700 dark:text-indigo-300' : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'
          }`}
        >
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
