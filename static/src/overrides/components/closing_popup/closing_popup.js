/* Part of pos_pongo. License LGPL-3.0 or later. */
import { ClosePosPopup } from "@point_of_sale/app/navbar/closing_popup/closing_popup";
import { onMounted, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/** The closing screen tells how many of the session's orders have not reached
 * Pongo yet: information only, asked once it is open, never in the way. */
patch(ClosePosPopup.prototype, {
    setup() {
        super.setup(...arguments);
        this.pongoSummary = useState({ pending: 0, failed: 0, url: false });
        onMounted(() => this.pongoLoadSummary());
    },

    async pongoLoadSummary() {
        if (!this.pos.config.pongo_active) {
            return;
        }
        // A failed call shows nothing: closing never depends on it.
        const summary = await this.pos.data.silentCall("pos.session", "pongo_closing_summary", [
            this.pos.session.id,
        ]);
        if (summary) {
            Object.assign(this.pongoSummary, summary);
        }
    },

    get pongoUnsentText() {
        const { pending, failed } = this.pongoSummary;
        const parts = [];
        if (pending) {
            parts.push(_t("%s not sent yet", pending));
        }
        if (failed) {
            parts.push(_t("%s failed", failed));
        }
        return parts.join(", ");
    },
});
