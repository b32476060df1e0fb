// Preloaded with `node --require` into a child process under test: prints the process's peak
// resident set size on exit, as the last line of stderr.
process.on('exit', () => {
  process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
