/* Part of pos_pongo. License LGPL-3.0 or later. */
import * as ChromePos from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as ChromeRestaurant from "@pos_restaurant/../tests/tours/utils/chrome";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as FloorScreen from "@pos_restaurant/../tests/tours/utils/floor_screen_util";
import * as ProductScreenPos from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ProductScreenResto from "@pos_restaurant/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as SplitBillScreen from "@pos_restaurant/../tests/tours/utils/split_bill_screen_util";
import * as TipScreen from "@pos_restaurant/../tests/tours/utils/tip_screen_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import {
    allOrdersSynced,
    applyFreeProduct,
    applyVoucher,
    closePanel,
    openPongoPanel,
    PANEL,
    payInCash,
    selectCustomer,
    VOUCHER_LINE,
    wait,
} from "@pos_pongo/../tests/tours/utils/pongo_util";
import { registry } from "@web/core/registry";

const Chrome = { ...ChromePos, ...ChromeRestaurant };
const ProductScreen = { ...ProductScreenPos, ...ProductScreenResto };

const FREE_CROISSANT =
    ".orderline:has(.o_pos_pongo_reward_line:contains('Viennoiserie offerte')) .price:contains('0.00')";

/** Click table ``name`` in transfer mode (the floor plan needs a moment). */
function transferTo(name) {
    return [
        ProductScreen.clickControlButton("Transfer"),
        {
            content: `transfer the order to table ${name}`,
            trigger: `.floor-map .table:has(.label:contains("${name}"))`,
            async run(helpers) {
                await new Promise((resolve) => setTimeout(resolve, 500));
                await helpers.click();
            },
        },
        Chrome.activeTableOrOrderIs(name),
    ].flat();
}

function rewardsStayOnTheOrder(total) {
    return [
        ProductScreen.customerIsSelected("Emma Petit"),
        {
            content: "the free croissant is still the Pongo reward",
            trigger: FREE_CROISSANT,
        },
        {
            content: "the voucher is still on the order",
            trigger: `${VOUCHER_LINE} .price:contains("-5.00")`,
        },
        ProductScreen.totalAmountIs(total),
    ].flat();
}

/** Emma at table 5 with a free croissant and the 5 € voucher on a 12 € menu. */
function emmaWithTwoRewardsAtTable5() {
    return [
        FloorScreen.clickTable("5"),
        ProductScreen.addOrderline("Menu du jour", "1"),
        selectCustomer("Emma Petit"),
        applyFreeProduct("Viennoiserie offerte", "Croissant"),
        applyVoucher(),
        ProductScreen.totalAmountIs("7.00"),
    ].flat();
}

registry.category("web_tour.tours").add("PosPongoRestaurantTransferTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            FloorScreen.clickTable("2"),
            ProductScreen.addOrderline("Water", "1"),
            Chrome.clickPlanButton(),
            emmaWithTwoRewardsAtTable5(),
            transferTo("4"),
            rewardsStayOnTheOrder("7.00"),
            transferTo("2"),
            // Merged into the water of table 2: that order takes Emma and her rewards.
            rewardsStayOnTheOrder("9.20"),
            wait(1500, "an unlock would have reached Pongo by now"),
            payInCash(),
            {
                content: "the receipt names both Pongo rewards",
                trigger:
                    ".pos-receipt .o_pos_pongo_receipt:contains('Viennoiserie offerte'):contains('Bon de 5')",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoRestaurantSplitTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            FloorScreen.clickTable("5"),
            ProductScreen.addOrderline("Menu du jour", "1"),
            ProductScreen.addOrderline("Water", "2"),
            selectCustomer("Emma Petit"),
            applyFreeProduct("Viennoiserie offerte", "Croissant"),
            ProductScreen.totalAmountIs("16.40"),
            ProductScreen.clickControlButton("Split"),
            SplitBillScreen.clickOrderline("Croissant"),
            SplitBillScreen.clickOrderline("Water"),
            SplitBillScreen.subtotalIs("2.20"),
            SplitBillScreen.clickPay(),
            Chrome.activeTableOrOrderIs("5B"),
            {
                content: "the part with the reward takes its owner as customer",
                trigger: ".product-screen .set-partner:contains('Emma Petit')",
            },
            ProductScreen.totalAmountIs("2.20"),
            payInCash(),
            ReceiptScreen.clickContinueOrder(),
            Chrome.activeTableOrOrderIs("5"),
            ProductScreen.customerIsSelected("Emma Petit"),
            ProductScreen.totalAmountIs("14.20"),
            {
                content: "the reward left with the other part",
                trigger: ".product-screen .orderline:contains('Menu du jour')",
                run: () => {
                    if (document.querySelector(".o_pos_pongo_reward_line")) {
                        throw new Error("the reward is on both parts of the bill");
                    }
                },
            },
            payInCash(),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoRestaurantTipTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            FloorScreen.clickTable("5"),
            ProductScreen.addOrderline("Menu du jour", "1"),
            selectCustomer("Emma Petit"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            TipScreen.isShown(),
            TipScreen.setCustomTip("2"),
            TipScreen.clickSettle(),
            ReceiptScreen.receiptIsThere(),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoRestaurantDevice1Tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            emmaWithTwoRewardsAtTable5(),
            Chrome.clickPlanButton(),
            allOrdersSynced(),
        ].flat(),
});

registry.category("web_tour.tours").add("PosPongoRestaurantDevice2Tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            FloorScreen.clickTable("5"),
            rewardsStayOnTheOrder("7.00"),
            ProductScreen.addOrderline("Water", "1"),
            {
                content: "pos_loyalty rebuilt its lines: the voucher is still there",
                trigger: `${VOUCHER_LINE} .price:contains("-5.00")`,
            },
            ProductScreen.totalAmountIs("9.20"),
            openPongoPanel(),
            {
                content: "both rewards are in this order on this device too",
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Viennoiserie offerte"):contains("In this order")`,
            },
            {
                trigger: `${PANEL} .o_pos_pongo_owned_reward:contains("Bon de 5"):contains("In this order")`,
            },
            closePanel(),
            payInCash(),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
