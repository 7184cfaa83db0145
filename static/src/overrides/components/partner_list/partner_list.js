/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PartnerList } from "@point_of_sale/app/screens/partner_list/partner_list";
import { useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

// Digits with the usual separators: what Enter sends to Pongo.
const PHONE_LIKE = /^\+?[\d\s().-]{6,}$/;

patch(PartnerList.prototype, {
    setup() {
        super.setup(...arguments);
        this.pongoState = useState({ searching: false });
        this.pongoSearchInput = null;
    },

    get showPongoSearch() {
        return Boolean(this.pos.config.pongo_active);
    },

    /** What is in the search field now (the list reads it debounced). */
    get pongoQuery() {
        return (this.pongoSearchInput?.el?.value ?? this.state.query ?? "").trim();
    },

    async onEnter() {
        if (this.showPongoSearch && PHONE_LIKE.test(this.pongoQuery)) {
            return await this.searchPongo();
        }
        return await super.onEnter(...arguments);
    },

    /** Look the typed phone number up here then at Pongo; enlist when unknown. */
    async searchPongo() {
        const query = this.pongoQuery;
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
        const partner = await this.pos.pongoCustomerFound(result);
        if (partner) {
            this.clickPartner(partner);
        }
    },
});
