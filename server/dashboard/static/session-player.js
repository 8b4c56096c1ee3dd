// Starts asciinema-player on every element carrying data-cast-src (the session page), with the
// markers the server listed in data-markers (approval, warnings, cut). No inline script: the CSP
// of the playback page adds only 'wasm-unsafe-eval' for the player's terminal.
document.querySelectorAll('[data-cast-src]').forEach(function (element) {
  var markers = [];
  try {
    markers = JSON.parse(element.getAttribute('data-markers') || '[]');
  } catch (error) {
    markers = [];
  }
  window.AsciinemaPlayer.create(element.getAttribute('data-cast-src'), element, { markers: markers, fit: 'width', idleTimeLimit: 2, preload: true });
});
