// The read-only live view of a bastion session (the session page, for those who may cut): follows
// the API's server-sent events and appends what the device shows to a <pre> as text (never as
// HTML), with terminal control sequences removed; warnings and the cut appear as marked lines.
// Nothing here can write to the session. Messages come from the page (data-*), in its language.
(function () {
  var pre = document.querySelector('pre[data-live-src]');
  var state = document.getElementById('live-state');
  if (pre === null || state === null || typeof EventSource === 'undefined') return;
  var MAX_CHARS = 200000;
  // CSI and OSC sequences, other escapes, and control characters but tab and newline.
  var CONTROLS = /\u001b\[[0-?]*[ -\/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|[\u0000-\u0008\u000b-\u001f\u007f]/g;
  var reasons = {};
  try {
    reasons = JSON.parse(state.getAttribute('data-reasons') || '{}');
  } catch (error) {
    reasons = {};
  }
  function append(text) {
    pre.appendChild(document.createTextNode(text));
    if (pre.textContent.length > MAX_CHARS) pre.textContent = pre.textContent.slice(-MAX_CHARS);
    pre.scrollTop = pre.scrollHeight;
  }
  function payload(event) {
    try {
      return JSON.parse(event.data);
    } catch (error) {
      return {};
    }
  }
  var source = new EventSource(pre.getAttribute('data-live-src'));
  var ended = false;
  source.addEventListener('hello', function () {
    state.textContent = state.getAttribute('data-following');
  });
  source.addEventListener('output', function (event) {
    append(String(payload(event).data || '').replace(/\r\n?/g, '\n').replace(CONTROLS, ''));
  });
  source.addEventListener('notice', function (event) {
    append('\n▶ ' + String(payload(event).text || '').replace(CONTROLS, '') + '\n');
  });
  source.addEventListener('ended', function (event) {
    ended = true;
    var reason = String(payload(event).reason || '');
    state.textContent = state.getAttribute('data-ended').replace('{reason}', reasons[reason] || reason);
    source.close();
  });
  source.onerror = function () {
    if (ended) return;
    // A refused stream (another replica, already ended) is not retried by the browser; a dropped one is.
    if (source.readyState === EventSource.CLOSED) state.textContent = state.getAttribute('data-unavailable');
  };
})();
