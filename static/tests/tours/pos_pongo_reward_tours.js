/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as Numpad from "@point_of_sale/../tests/tours/utils/numpad_util";
import * as ProductConfigurator from "@point_of_sale/../tests/tours/utils/product_configurator_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { refresh } from "@point_of_sale/../tests/tours/utils/common";
import {
    applyVoucher,
    closePanel,
    openPongoPanel,
    PANEL,
    payInCash,
    screenshot,
    selectCustomer,
    VOUCHER_LINE,
} from "@pos_pongo/../tests/tours/utils/pongo_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("PosPongoApplyRewardTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Desk Pad", "1"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "the voucher shows its coupon code",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Bon de 5") .o_pos_pongo_coupon_code`,
            },
            {
                content: "apply Viennoiserie offerte",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte") .o_pos_pongo_apply`,
                run: "click",
            },
            {
                content: "two products match: Pain au chocolat is offered",
                trigger: ".selection-item:contains('Pain au chocolat')",
            },
            {
                content: "choose the croissant",
                trigger: ".selection-item:contains('Croissant')",
                run: "click",
            },
            ProductScreen.selectedOrderlineHas("Croissant", "1", "0.00"),
            closePanel(),
            {
                content: "the line names the Pongo reward",
                trigger:
                    ".orderline.selected .o_pos_pongo_reward_line:contains('Viennoiserie offerte')",
            },
            refresh(),
            {
                content: "after a reload of the POS the line still names the reward",
                trigger: ".orderline .o_pos_pongo_reward_line:contains('Viennoiserie offerte')",
            },
            openPongoPanel(),
            {
                content: "the applied reward cannot be applied twice",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte") .o_pos_pongo_apply[disabled]`,
            },
            closePanel(),
            payInCash(),
            {
                content: "the receipt shows the Pongo balance",
                trigger: ".pos-receipt .o_pos_pongo_receipt_points:contains('500')",
            },
            {
                content: "the receipt says Pongo credits the points",
                trigger:
                    ".pos-receipt .o_pos_pongo_receipt:contains('Points for this order will be credited by Pongo')",
            },
            {
                content: "the receipt names the reward used",
                trigger:
                    ".pos-receipt .o_pos_pongo_receipt_reward:contains('Viennoiserie offerte')",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoVoucherTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "apply the voucher on an empty order",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Bon de 5") .o_pos_pongo_apply`,
                run: "click",
            },
            {
                content: "a voucher needs products first",
                trigger: ".modal-body:contains('Add the products first')",
            },
            Dialog.confirm("Ok"),
            closePanel(),
            ProductScreen.addOrderline("Menu du jour", "1"),
            applyVoucher(),
            ProductScreen.totalAmountIs("7.00"),
            openPongoPanel(),
            {
                content: "the voucher is in this order and cannot be applied twice",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Bon de 5"):contains("In this order") .o_pos_pongo_apply[disabled]`,
            },
            closePanel(),
            {
                content: "select the voucher line",
                trigger: VOUCHER_LINE,
                run: "click",
            },
            Numpad.click("⌫"),
            Dialog.confirm("Yes"),
            ProductScreen.totalAmountIs("12.00"),
            {
                content: "wait for the unlock to reach Pongo",
                trigger: "body",
                run: () => new Promise((resolve) => setTimeout(resolve, 1500)),
            },
            applyVoucher(),
            ProductScreen.totalAmountIs("7.00"),
            refresh(),
            {
                content: "after a reload of the POS the voucher is still on the order",
                trigger: `${VOUCHER_LINE} .price:contains("-5.00")`,
            },
            ProductScreen.totalAmountIs("7.00"),
            ProductScreen.addOrderline("Croissant", "1"),
            {
                content: "pos_loyalty rebuilt the discount line: still the Pongo voucher",
                trigger: `${VOUCHER_LINE} .price:contains("-5.00")`,
            },
            ProductScreen.totalAmountIs("8.20"),
            screenshot("applied-voucher"),
            payInCash(),
            {
                content: "the receipt shows the discount like any coupon",
                trigger: ".pos-receipt .orderline:contains('-5.00')",
            },
            {
                content: "the receipt names the Pongo voucher once",
                trigger: ".pos-receipt .o_pos_pongo_receipt_reward:contains('Bon de 5')",
                run: () => {
                    const names = document.querySelectorAll(".o_pos_pongo_receipt_reward");
                    if (names.length !== 1) {
                        throw new Error(`${names.length} rewards on the receipt, expected 1`);
                    }
                },
            },
            screenshot("receipt"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoUnlockTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Emma Petit"),
            openPongoPanel(),
            {
                content: "apply Viennoiserie offerte",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte") .o_pos_pongo_apply`,
                run: "click",
            },
            {
                content: "choose the pain au chocolat",
                trigger: ".selection-item:contains('Pain au chocolat')",
                run: "click",
            },
            ProductScreen.selectedOrderlineHas("Pain au chocolat", "1", "0.00"),
            closePanel(),
            Numpad.click("⌫"),
            Numpad.click("⌫"),
            ProductScreen.orderIsEmpty(),
            {
                content: "wait for the unlock to reach the server",
                trigger: "body",
                run: () => new Promise((resolve) => setTimeout(resolve, 1500)),
            },
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoPaidOptionsTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            selectCustomer("Lucas Thomas"),
            openPongoPanel(),
            {
                content: "apply Café offert",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Café offert") .o_pos_pongo_apply`,
                run: "click",
            },
            ProductConfigurator.pickRadio("Oat milk"),
            Dialog.confirm(),
            {
                content: "the espresso is free, the oat milk the customer chose stays paid",
                trigger:
                    ".orderline:has(.o_pos_pongo_reward_line:contains('Café offert')) .price:contains('0.50')",
            },
            closePanel(),
            ProductScreen.totalAmountIs("0.50"),
            payInCash(),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
