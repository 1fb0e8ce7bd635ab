"""A file handed to the browser as a download, from memory: nothing is written where a server
could serve it.

The bytes travel once over the session's websocket; the button saves them with the browser's
own download (a Blob), so the file never has an address on the server.
"""

from __future__ import annotations

import base64

import ipyvue
import traitlets

from ..ui.i18n import _

MIME = {".csv": "text/csv", ".xml": "application/xml", ".pdf": "application/pdf",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

TEMPLATE = """
<template>
  <div class="co-download">
    <v-btn v-if="name" class="co-download-file" color="primary" outlined @click="save">
      ⬇ {{ label }}
    </v-btn>
  </div>
</template>
<script>
module.exports = {
  watch: { serial() { if (this.name) { this.save(); } } },
  methods: {
    save() {
      const raw = atob(this.payload);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([bytes], { type: this.mime }));
      link.download = this.name;
      document.body.appendChild(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 2000);
    },
  },
};
</script>
"""


class Download(ipyvue.VueTemplate):
    """A download button; :meth:`offer` starts the download at once and keeps the button to
    download the file again.

    Attributes:
      name: the file's name in the browser ("" hides the button).
      size: the file's size in bytes.
    """

    template = traitlets.Unicode(TEMPLATE).tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    mime = traitlets.Unicode("application/octet-stream").tag(sync=True)
    payload = traitlets.Unicode("").tag(sync=True)
    serial = traitlets.Int(0).tag(sync=True)
    size = traitlets.Int(0)

    def offer(self, name: str, data: bytes) -> None:
        """Hand ``data`` to the browser as the file ``name``."""
        suffix = name[name.rfind("."):].lower() if "." in name else ""
        self.mime = MIME.get(suffix, "application/octet-stream")
        self.payload = base64.b64encode(data).decode("ascii")
        self.size = len(data)
        self.label = _("Download {name}").format(name=name)
        self.name = name
        self.serial += 1


__all__ = ["Download"]
