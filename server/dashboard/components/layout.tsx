// The frame of every page: skip link, header with the menu of the user's role, language switch,
// sign-out form, the page's main content, and the freshness stamp. Static assets only (the CSP
// has no 'unsafe-inline'); htmx runs with the CSP-safe config (no inline indicator style, no eval).
import type { ComponentChildren } from 'preact';
import { navFor } from '../nav.js';
import { asset } from '../static-assets.js';
import type { View } from '../view.js';
import { CsrfField } from './forms.js';

export const HTMX_CONFIG = JSON.stringify({ includeIndicatorStyles: false, allowEval: false, allowScriptTags: false, selfRequestsOnly: true });

export interface LayoutProps {
  view: View;
  title: string;
  children: ComponentChildren;
  /** When the data shown was produced ("données du ... à ..."); omitted on pages without fleet data. */
  freshness?: Date | string | null;
  /** Extra head elements of one page (a player's stylesheet and scripts: static files only). */
  head?: ComponentChildren;
}

function LangSwitch({ view }: { view: View }) {
  const other = view.lang === 'fr' ? 'en' : 'fr';
  return (
    <a class="lang" href={`/lang/${other}?back=${encodeURIComponent(view.path)}`} hreflang={other} lang={other}>
      {view.t('layout.switchLang')}
    </a>
  );
}

export function Layout({ view, title, children, freshness, head }: LayoutProps) {
  const { t, user } = view;
  const nav = user === null || user.setup ? [] : navFor(user.role);
  return (
    <html lang={view.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${title} — Vigie`}</title>
        <link rel="stylesheet" href={asset('dashboard.css')} />
        <script src={asset('vendor/htmx-2.0.11.min.js')} defer />
        {head}
      </head>
      <body>
        <a class="skip" href="#main">
          {t('layout.skip')}
        </a>
        <header class="top">
          <a class="brand" href="/">
            Vigie
          </a>
          {nav.length > 0 && (
            <nav aria-label={t('layout.menu')}>
              <ul>
                {nav.map((entry) => (
                  <li>
                    <a href={entry.path} aria-current={view.path === entry.path || view.path.startsWith(`${entry.path}/`) ? 'page' : undefined}>
                      {t(entry.label)}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div class="who">
            <LangSwitch view={view} />
            {user !== null && (
              <>
                <a href="/account" class="user">
                  {user.username} <span class="role">({t(`role.${user.role}`)})</span>
                </a>
                <form method="post" action="/logout" class="inline">
                  <CsrfField view={view} />
                  <button type="submit">{t('layout.logout')}</button>
                </form>
              </>
            )}
          </div>
        </header>
        <main id="main" tabindex={-1}>
          <h1>{title}</h1>
          {children}
        </main>
        <footer>
          {freshness !== undefined && (
            <p class="freshness">
              {freshness === null ? t('layout.noData') : t('layout.freshness', { date: view.f.date(freshness), time: view.f.time(freshness) })}
            </p>
          )}
          <p>{t('layout.footer', { now: view.f.dateTime(view.now) })}</p>
        </footer>
      </body>
    </html>
  );
}
