/** One line about something that was thrown: its message and where it came from, for the log. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const where = err.stack?.split("\n")[1]?.trim();
    return `${err.name}: ${err.message}${where ? ` (${where})` : ""}`;
  }
  return String(err);
}
