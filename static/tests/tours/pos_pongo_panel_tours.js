/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import { refresh } from "@point_of_sale/../tests/tours/utils/common";
import {
    closePanel,
    openPongoPanel,
    PANEL,
    screenshot,
    selectCustomer,
} from "@pos_pongo/../tests/tours/utils/pongo_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("PosPongoLoyaltyPanelTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "no Pongo button without a customer",
                trigger: ".product-screen .set-partner:not(:has(.text-action))",
                run: () => {
                    if (document.querySelector(".o_pos_pongo_button")) {
                        throw new Error("the Pongo button shows without a customer");
                    }
                },
            },
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "Emma has 500 points",
                trigger: `${PANEL} .o_pos_pongo_points:contains("500")`,
            },
            screenshot("loyalty-panel"),
            {
                content: "Café offert is affordable and highlighted",
                trigger: `${PANEL} .o_pos_pongo_reward.o_pos_pongo_affordable:contains("Café offert") .o_pos_pongo_cost:contains("50 points")`,
            },
            {
                content: "Emma owns Viennoiserie offerte, with an Apply button",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte") .o_pos_pongo_apply`,
            },
            {
                content: "buy Café offert",
                trigger: `${PANEL} .o_pos_pongo_reward:contains("Café offert") .o_pos_pongo_buy`,
                run: "click",
            },
            {
                content: "the confirmation shows the cost and the balance after",
                trigger:
                    ".modal:not(.o_inactive_modal) .modal-body:contains('50 points'):contains('Balance after: 450 points')",
            },
            Dialog.confirm("Buy"),
            {
                content: "the panel shows the new balance",
                trigger: `${PANEL} .o_pos_pongo_points:contains("450")`,
            },
            {
                content: "the bought reward is owned now",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Café offert"):contains("Bought")`,
            },
            closePanel(),
            selectCustomer("Lucas Thomas"),
            openPongoPanel(),
            {
                content: "Lucas has 120 points",
                trigger: `${PANEL} .o_pos_pongo_points:contains("120")`,
            },
            {
                content: "an expensive reward shows the missing points, and no Buy button",
                trigger: `${PANEL} .o_pos_pongo_reward:not(.o_pos_pongo_affordable):contains("Visite des cuisines") .o_pos_pongo_missing:contains("180 points missing")`,
            },
            {
                content: "refresh the panel",
                trigger: `${PANEL} .o_pos_pongo_refresh`,
                run: "click",
            },
            {
                content: "still 120 points after refresh",
                trigger: `${PANEL} .o_pos_pongo_points:contains("120")`,
            },
            closePanel(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoWebhookRefreshTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "Emma has 500 points",
                trigger: `${PANEL} .o_pos_pongo_points:contains("500")`,
            },
            {
                // Odoo's test server has no websocket (503): the tour hands the POS the
                // bus message the webhook sends, once Pongo has changed Emma.
                content: "Pongo changes Emma; the webhook's bus message reaches the POS",
                trigger: "body",
                run: async () => {
                    await new Promise((resolve) => setTimeout(resolve, 1500));
                    const partner = window.posmodel.get_order().get_partner();
                    await window.posmodel.pongoOnCustomerUpdated({ partner_id: partner.id });
                },
            },
            {
                content: "the open panel refreshed by itself",
                trigger: `${PANEL} .o_pos_pongo_points:contains("777")`,
            },
            {
                content: "the customer record in the POS has the new balance too",
                trigger: "body",
                run: () => {
                    const points = window.posmodel.get_order().get_partner().pongo_points;
                    if (points !== 777) {
                        throw new Error(`the POS still has ${points} points for Emma`);
                    }
                },
            },
            closePanel(),
        ].flat(),
});
