// Progressive enhancements of the console; every form works without this file.
(function () {
  'use strict';
  // Buttons marked data-confirm ask before a destructive action (the server also shows a
  // confirmation page when JavaScript is off).
  document.addEventListener('submit', function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute('data-confirm')) || event.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
