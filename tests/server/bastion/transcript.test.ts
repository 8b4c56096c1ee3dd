import t from 'tap';
import { stripControls, transcriptOf } from '../../../server/bastion/transcript.js';

t.test('the transcript keeps what a terminal would show, and the markers', async (t) => {
  const cast = [
    JSON.stringify({ version: 2, width: 80, height: 24 }),
    JSON.stringify([0.001, 'm', 'grant g-1 window ...']),
    JSON.stringify([0.2, 'o', '\u001b[01;32mroot@irm\u001b[00m:~# ']),
    JSON.stringify([0.5, 'i', 'ls\r']),
    JSON.stringify([0.6, 'o', 'ls\r\nfile-a  <script>x</script>\r\n']),
    JSON.stringify([0.7, 'o', 'progress 10%\rprogress 99%\r\n']),
    JSON.stringify([0.8, 'o', 'typo\b\b\bes\u001b]0;title\u0007t\r\n']),
    'not json',
    JSON.stringify([0.9, 'r', '100x30']),
    JSON.stringify([60, 'm', 'Vigie: la fenêtre se ferme dans 1 min']),
    JSON.stringify([61, 'o', 'partial line']),
  ].join('\n');
  t.same(transcriptOf(cast), [
    { at: 0.001, kind: 'marker', text: 'grant g-1 window ...' },
    { at: 0.2, kind: 'output', text: 'root@irm:~# ls' },
    { at: 0.6, kind: 'output', text: 'file-a  <script>x</script>' },
    { at: 0.7, kind: 'output', text: 'progress 99%' },
    { at: 0.8, kind: 'output', text: 'test' },
    { at: 60, kind: 'marker', text: 'Vigie: la fenêtre se ferme dans 1 min' },
    { at: 61, kind: 'output', text: 'partial line' },
  ]);
  t.equal(stripControls('a\u0000b\u009bc\u001b[2Jd'), 'abcd');
});
