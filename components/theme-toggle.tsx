'use client';

import { Button } from '@/components/ui/button';

export function ThemeToggle() {
  function toggle() {
    const dark = document.documentElement.classList.toggle('dark');
    localStorage.setItem('theme', dark ? 'dark' : 'light');
  }
  return (
    <Button variant="ghost" onClick={toggle} aria-label="Toggle light or dark theme" title="Toggle theme">
      <span aria-hidden className="dark:hidden">☾</span>
      <span aria-hidden className="hidden dark:inline">☀</span>
    </Button>
  );
}
