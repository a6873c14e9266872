import { useEffect, useRef, useState } from 'react';

/** Shows a new key once. The plaintext lives only in this component's props: closing unmounts it. */
export function NewKeyDialog({ secret, prefix, onClose }: { secret: string; prefix: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }
  return (
    <dialog ref={dialog} aria-labelledby="new-key-title" aria-describedby="new-key-warning" onClose={onClose} className="key-dialog">
      <h2 id="new-key-title">New API key {prefix}</h2>
      <p id="new-key-warning" className="warning">
        Copy this key now. It will not be shown again: only its prefix is kept.
      </p>
      <code className="secret" data-testid="new-key">
        {secret}
      </code>
      <div className="inline">
        <button type="button" onClick={copy} autoFocus>
          Copy key
        </button>
        <span role="status">{copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Copying failed: select the key and copy it by hand.' : ''}</span>
        <button type="button" onClick={() => dialog.current?.close()}>
          I have stored it, close
        </button>
      </div>
    </dialog>
  );
}
