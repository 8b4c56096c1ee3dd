// Charts drawn on the server as inline SVG (no library, no script): each has a <title>, and the
// same numbers in a table under it (screen readers, printing, copying into a report).
import type { View } from '../view.js';

export interface Point {
  /** YYYY-MM-DD */
  day: string;
  /** 0..1, or null for a day without data (a gap in the line). */
  value: number | null;
}

const WIDTH = 600;
const HEIGHT = 160;
const PAD = 28;

/** A line of a 0..1 ratio over days (compliance), with gridlines at 0, 50 and 100 %. */
export function RatioChart({ view, title, points, id }: { view: View; title: string; points: Point[]; id: string }) {
  const n = points.length;
  const x = (i: number) => PAD + (n <= 1 ? 0 : (i * (WIDTH - 2 * PAD)) / (n - 1));
  const y = (v: number) => HEIGHT - PAD - v * (HEIGHT - 2 * PAD);
  // Split the line at days without data rather than drawing through them.
  const segments: string[] = [];
  let current: string[] = [];
  points.forEach((p, i) => {
    if (p.value === null) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
    } else current.push(`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`);
  });
  if (current.length > 0) segments.push(current.join(' '));
  const titleId = `${id}-title`;
  const first = points[0];
  const last = points[n - 1];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={titleId} width="100%" preserveAspectRatio="xMidYMid meet">
        <title id={titleId}>{title}</title>
        {[0, 0.5, 1].map((g) => (
          <g>
            <line class="grid" x1={PAD} x2={WIDTH - PAD} y1={y(g)} y2={y(g)} />
            <text class="axis" x={2} y={y(g) + 4}>
              {view.f.percent(g)}
            </text>
          </g>
        ))}
        {segments.map((s) => (
          <polyline class="line" points={s} fill="none" />
        ))}
        {segments.length === 1 && !s(segments[0]).includes(' ') &&
          points.map((p, i) => (p.value === null ? null : <circle class="dot" cx={x(i)} cy={y(p.value)} r={3} />))}
        {first !== undefined && (
          <text class="axis" x={PAD} y={HEIGHT - 6}>
            {view.f.date(`${first.day}T12:00:00Z`)}
          </text>
        )}
        {last !== undefined && n > 1 && (
          <text class="axis" x={WIDTH - PAD} y={HEIGHT - 6} text-anchor="end">
            {view.f.date(`${last.day}T12:00:00Z`)}
          </text>
        )}
      </svg>
      <details>
        <summary>{view.t('chart.data')}</summary>
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{view.t('chart.day')}</th>
              <th scope="col">{view.t('chart.value')}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr>
                <td>{view.f.date(`${p.day}T12:00:00Z`)}</td>
                <td>{view.f.percent(p.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

const s = (v: string | undefined): string => v ?? '';

/** The days from `from` to `to` inclusive (YYYY-MM-DD), for charts that show gaps. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T12:00:00Z`); t <= Date.parse(`${to}T12:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** YYYY-MM-DD minus n days. */
export function dayMinus(day: string, n: number): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}
