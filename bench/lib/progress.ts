/** A one-line progress display on stderr (the table goes to stdout). */
export function progress(label: string, seconds: number): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    const width = 30;
    const filled = Math.min(width, Math.round((elapsed / seconds) * width));
    process.stderr.write(`\r  ${label.padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${elapsed.toFixed(0)}s`);
  }, 250);
  return () => {
    clearInterval(timer);
    process.stderr.write(`\r${' '.repeat(72)}\r`);
  };
}
