// A bastion session's recording as the session pages show it (page 10 for those who watch over
// vendors, "Mes séances" for the vendor): the signed recording's verification badge, its files with
// size and SHA-256 (download), the transcript search, and per channel the asciinema-player mount
// point (started by a static script, markers: approval, warnings, cut) with the text transcript.
// Also the playback CSP: the only pages that add 'wasm-unsafe-eval' (the player's terminal is WebAssembly).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, RECORDING_FILE_PATTERN, type SessionManifest } from '../../bastion/manifest.js';
import { checkRecording, recordingDir, recordingFiles, type RecordingCheck, type RecordingFileInfo } from '../../bastion/recordings.js';
import { transcriptOf, type TranscriptLine } from '../../bastion/transcript.js';
import type { BastionSessionRecord } from '../../db/bastion-sessions.js';
import type { BastionRouteDeps } from '../../routes/bastion.js';
import { CONTENT_SECURITY_POLICY } from '../../service-hygiene.js';
import type { MessageKey } from '../i18n/catalogue.js';
import { asset } from '../static-assets.js';
import type { View } from '../view.js';

const MAX_SHOWN_LINES = 2000;

/** The global CSP plus 'wasm-unsafe-eval' in script-src: for the playback pages only. */
export function playbackCsp(): string {
  const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return Object.entries(CONTENT_SECURITY_POLICY)
    .map(([name, values]) => `${kebab(name)} ${(name === 'scriptSrc' ? [...values, "'wasm-unsafe-eval'"] : values).join(' ')}`)
    .join('; ');
}

/** The player's stylesheet and scripts (static files), for the Layout's head. */
export function playbackHead() {
  return [<link rel="stylesheet" href={asset('vendor/asciinema-player-3.css')} />, <script src={asset('vendor/asciinema-player-3.min.js')} defer />, <script src={asset('session-player.js')} defer />];
}

export const END_REASONS = ['client_closed', 'window_end', 'revoked', 'cut', 'idle', 'recording_failed', 'database_unreachable', 'upstream_closed', 'server_stopped', 'server_restarted'] as const;
const reasonKeys = new Set<string>(END_REASONS.map((r) => `reason.${r}`));

/** How a session ended, in the page's language (an unknown reason is shown as recorded). */
export function reasonText(view: View, reason: string | null): string {
  if (reason === null) return '–';
  const key = `reason.${reason}`;
  return reasonKeys.has(key) ? view.t(key as MessageKey) : reason;
}

/** Every end reason's text, for the live view's script (data- attribute). */
export function reasonTexts(view: View): Record<string, string> {
  return Object.fromEntries(END_REASONS.map((r) => [r, view.t(`reason.${r}` as MessageKey)]));
}

/** The recording's state for a session: sealed ones are verified (signature, hashes, sizes). */
export function recordingCheckOf(deps: Pick<BastionRouteDeps, 'recordingsDir' | 'recordingPublicKey'>, session: BastionSessionRecord): RecordingCheck {
  return deps.recordingPublicKey === null
    ? { state: session.ended_at === null ? 'live' : 'unsealed', verify: null }
    : checkRecording(deps.recordingsDir, session, deps.recordingPublicKey);
}

export function RecordingBadge({ view, check }: { view: View; check: RecordingCheck }) {
  if (check.state !== 'sealed') return <span class={`status status-${check.state === 'live' ? 'unknown' : 'not_applicable'}`}>{view.t(`rec.${check.state}`)}</span>;
  const ok = check.verify?.ok === true;
  return (
    <span class={`status status-${ok ? 'pass' : 'fail'}`}>
      <span aria-hidden="true">{ok ? '✔' : '✖'}</span> {view.t(ok ? 'rec.sealed_ok' : 'rec.sealed_bad')}
    </span>
  );
}

function manifestOf(dir: string): SessionManifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as SessionManifest;
  } catch {
    return null;
  }
}

interface ChannelTranscript {
  file: RecordingFileInfo;
  markers: [number, string][];
  shown: TranscriptLine[];
  matches: number | null;
}

/** What the recording section shows: files with their manifest hashes, and each channel's transcript (filtered by the search). */
export interface RecordingContent {
  files: RecordingFileInfo[];
  hashes: Map<string, string>;
  transcripts: ChannelTranscript[];
}

export function recordingContentOf(recordingsDir: string, session: BastionSessionRecord, search: string): RecordingContent {
  const files = recordingFiles(recordingsDir, session);
  const dir = recordingDir(recordingsDir, session);
  const hashes = new Map((manifestOf(dir)?.files ?? []).map((file) => [file.name, file.sha256]));
  const query = search.trim().toLowerCase();
  const transcripts = files
    .filter((file) => RECORDING_FILE_PATTERN.test(file.name))
    .map((file): ChannelTranscript => {
      let lines: TranscriptLine[] = [];
      try {
        lines = transcriptOf(readFileSync(join(dir, file.name), 'utf8'));
      } catch {
        lines = [];
      }
      const markers = lines.filter((line) => line.kind === 'marker').map((line): [number, string] => [line.at, line.text.slice(0, 120)]);
      const found = query === '' ? lines : lines.filter((line) => line.text.toLowerCase().includes(query));
      return { file, markers, shown: found.slice(0, MAX_SHOWN_LINES), matches: query === '' ? null : found.length };
    });
  return { files, hashes, transcripts };
}

/**
 * Files (download links from `downloadUrl`), the transcript search (a GET form to `searchAction`)
 * and per channel the player (ended sessions only) and the transcript.
 */
export function RecordingSection(props: { view: View; session: BastionSessionRecord; content: RecordingContent; search: string; searchAction: string; downloadUrl: (name: string) => string }) {
  const { view, session, content, search, searchAction, downloadUrl } = props;
  const { t, f } = view;
  return (
    <>
      <h2>{t('session.files')}</h2>
      {content.files.length === 0 ? (
        <p>{t('session.noFiles')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('session.file')}</th>
              <th scope="col">{t('session.size')}</th>
              <th scope="col">SHA-256</th>
              <th scope="col">
                <span class="visually-hidden">{t('session.download')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {content.files.map((file) => (
              <tr>
                <td>{file.name}</td>
                <td>{f.integer(file.size)}</td>
                <td>
                  <code>{content.hashes.get(file.name) ?? '–'}</code>
                </td>
                <td>
                  <a href={downloadUrl(file.name)} download>
                    {t('session.download')}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="get" action={searchAction} role="search">
        <label for="q">{t('session.search')}</label> <input id="q" name="q" type="search" value={search} maxLength={200} /> <button type="submit">{t('session.searchButton')}</button>
      </form>
      {content.transcripts.map(({ file, markers, shown, matches }) => (
        <section aria-label={file.name}>
          <h2>{`${t('session.playback')} — ${file.name}`}</h2>
          {session.ended_at !== null && <div class="player" data-cast-src={downloadUrl(file.name)} data-markers={JSON.stringify(markers)} />}
          <h3>{`${t('session.transcript')} — ${file.name}`}</h3>
          {matches !== null && <p role="status">{t('session.matches', { n: String(matches) })}</p>}
          <pre class="transcript">
            {shown.map((line) => (
              <span class={line.kind === 'marker' ? 'marker' : undefined}>{`[${line.at.toFixed(1).padStart(7)} s] ${line.kind === 'marker' ? '▶ ' : ''}${line.text}\n`}</span>
            ))}
          </pre>
        </section>
      ))}
    </>
  );
}
