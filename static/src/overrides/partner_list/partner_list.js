/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PartnerList } from "@point_of_sale/app/screens/partner_list/partner_list";
import { useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

patch(PartnerList.prototype, {
    setup() {
        super.setup(...arguments);
        this.pongoState = useState({ searching: false });
    },

    get showPongoSearch() {
        return Boolean(this.pos.config.pongo_active);
    },

    /** Look the typed phone number up locally then at Pongo; enlist when unknown. */
    async searchPongo() {
        const query = (this.state.query || "").trim();
        if (this.pongoState.searching) {
            return;
        }
        if (!query) {
            this.pos.pongoAlert(
                _t("Search Pongo"),
                _t("Type the customer's phone number in the search field first."),
            );
            return;
        }
        this.pongoState.searching = true;
        let result;
        try {
            result = await this.pos.pongoCall("pongo_search_phone", query);
        } finally {
            this.pongoState.searching = false;
        }
        if (result.status === "found") {
            const partner = await this.pos.pongoLoadPartner(result.partner_id);
            if (partner) {
                this.clickPartner(partner);
            }
            return;
        }
        if (result.status === "not_found") {
            const partner = await this.pos.pongoEnlistPartner({ phone: result.phone || query });
            if (partner) {
                this.clickPartner(partner);
            }
            return;
        }
        await this.pos.pongoHandleFindResult(result);
    },
});
