/** `kill(pid, 0)`: does anything answer to this pid? (EPERM means it exists but is not ours.) */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
