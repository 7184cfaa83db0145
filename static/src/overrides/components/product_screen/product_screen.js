/* Part of pos_pongo. License LGPL-3.0 or later. */
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { useBarcodeReader } from "@point_of_sale/app/barcode/barcode_reader_hook";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

patch(ProductScreen.prototype, {
    setup() {
        super.setup(...arguments);
        // The barcode rule "Pongo wallet pass" tells a pass from a product.
        useBarcodeReader({ pongo_customer: this._pongoScanCustomer });
    },

    /** A Pongo wallet pass carries the customer id: set that customer. */
    async _pongoScanCustomer(code) {
        if (!this.pos.config.pongo_active) {
            this.barcodeReader.showNotFoundNotification(code);
            return;
        }
        const result = await this.pos.pongoCall("pongo_scan", code.code);
        if (result.status === "invalid") {
            this.pos.pongoAlert(
                _t("Unknown Pongo card"),
                result.message || _t("Pongo does not know the customer card “%s”.", code.code),
            );
            return;
        }
        const partner = await this.pos.pongoCustomerFound(result, { enlist: false });
        if (partner) {
            this.pos.get_order()?.set_partner(partner);
        }
    },
});
