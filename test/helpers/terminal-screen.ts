import { Writable } from 'node:stream';

const ESC = String.fromCharCode(27);

/**
 * A terminal for tests: records what is written and replays it onto a screen, following the few
 * controls a live view uses (cursor up, to a column, carriage return, newline, erase to the end of
 * the line or of the screen), so a test sees what a person would, not the escape codes.
 */
export class TerminalScreen extends Writable {
  readonly isTTY = true;
  readonly columns = 160;
  readonly rows = 50;
  private written = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.written += chunk.toString();
    done();
  }

  /** The screen's lines as they stand now, trailing blanks dropped. */
  screen(): string[] {
    const lines: string[] = [''];
    let row = 0;
    let col = 0;
    const text = this.written;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === ESC) {
        // After ESC: `[`, an optional `?` (a mode), a count, the command letter.
        const control = /^\[(\??)(\d*)([A-Za-z])/.exec(text.slice(i + 1));
        if (!control) continue;
        i += control[0].length;
        if (control[1]) continue; // modes (cursor shown, line wrapping): nothing on screen
        const n = Number(control[2] || 1);
        const line = lines[row] ?? '';
        if (control[3] === 'A') row = Math.max(0, row - n);
        else if (control[3] === 'G') col = n - 1;
        else if (control[3] === 'K') lines[row] = line.slice(0, col);
        else if (control[3] === 'J') {
          lines[row] = line.slice(0, col);
          lines.length = row + 1;
        }
      } else if (ch === '\r') col = 0;
      else if (ch === '\n') {
        row++;
        lines[row] ??= '';
        col = 0;
      } else {
        const line = (lines[row] ?? '').padEnd(col);
        lines[row] = line.slice(0, col) + ch + line.slice(col + 1);
        col++;
      }
    }
    const shown = lines.map((line) => line.trimEnd());
    while (shown.length > 0 && shown.at(-1) === '') shown.pop();
    return shown;
  }
}
