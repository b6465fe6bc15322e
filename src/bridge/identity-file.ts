/**
 * Where the bridge's libp2p identity is kept, decided without libp2p: the explicit setting, else
 * the service's state directory, else beside the history file, else the user's state directory.
 * The key is what makes our /p2p/<id> address; kept, the address other sites put in their
 * [BRIDGE] peers stays valid across restarts.
 */
import os from "node:os";
import path from "node:path";

export const IDENTITY_FILE_NAME = "bridge-identity.key";

export function identityFileFor(
  settings: { identityFile: string; historyFile: string },
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  if (settings.identityFile !== "") return settings.identityFile;
  // systemd sets STATE_DIRECTORY for StateDirectory=p2pchat (deploy/chat.service); it may list several.
  const stateDirectory = env.STATE_DIRECTORY?.split(":")[0];
  if (stateDirectory) return path.join(stateDirectory, IDENTITY_FILE_NAME);
  if (settings.historyFile !== "") return path.join(path.dirname(settings.historyFile), IDENTITY_FILE_NAME);
  const stateHome = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(home, ".local", "state");
  return path.join(stateHome, "p2pchat", IDENTITY_FILE_NAME);
}
