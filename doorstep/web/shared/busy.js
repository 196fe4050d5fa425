// One request at a time for a control, however often it is tapped: `run` ignores a second
// call while the first is on its way and gives the server's refusal back as a message.
import { useEffect, useRef, useState } from './html.js';

export function useBusy() {
  const busy = useRef(false);
  const [working, setWorking] = useState(false);
  const [error, setError] = useState(null);
  const run = async (work) => {
    if (busy.current) return undefined;
    busy.current = true;
    setWorking(true);
    setError(null);
    try {
      return await work();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      busy.current = false;
      setWorking(false);
    }
  };
  return { run, working, error, setError };
}

// What a screen reads when it opens, and again when `deps` change or it calls `reread` (after its
// own changes): the value `read` resolves to (null until it comes), a setter for it, and the
// refusal (a screen shows its message).
export function useRead(read, deps = []) {
  const [value, setValue] = useState(null);
  const [error, setError] = useState(null);
  const reread = () => read().then(setValue).catch(setError);
  useEffect(() => {
    reread();
  }, deps);
  return [value, setValue, error, reread];
}

// A control that sends one change and then hands over (the screen reads its list again):
// `act(() => gql(...))` sends it as `run` does and calls `onDone` once it went through.
export function useAction(onDone) {
  const { run, working, error } = useBusy();
  const act = (send) =>
    run(async () => {
      await send();
      onDone();
    });
  return { act, working, error };
}
