/* Part of pos_pongo. License LGPL-3.0 or later. */
import { PartnerList } from "@point_of_sale/app/screens/partner_list/partner_list";
import { onMounted, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

// Digits with the usual separators: what Enter sends to Pongo.
const PHONE_LIKE = /^\+?[\d\s().-]{6,}$/;

patch(PartnerList.prototype, {
    setup() {
        super.setup(...arguments);
        this.pongoState = useState({ searching: false });
        this.pongoSearchInput = null;
        // Enter on a phone number looks it up at Pongo.
        onMounted(() =>
            this.pongoSearchInput?.el?.addEventListener("keydown", (event) => {
                if (
                    event.key === "Enter" &&
                    this.showPongoSearch &&
                    PHONE_LIKE.test(this.pongoQuery)
                ) {
                    event.preventDefault();
                    this.searchPongo();
                }
            }),
        );
    },

    get showPongoSearch() {
        return Boolean(this.pos.config.pongo_active);
    },

    /** What is in the search field now (the list reads it debounced). */
    get pongoQuery() {
        return (this.pongoSearchInput?.el?.value ?? this.state.query ?? "").trim();
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
