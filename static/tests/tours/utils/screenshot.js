/* Part of pos_pongo. License LGPL-3.0 or later. */

/** Marks a moment for `make screenshots` (the test takes the picture). */
export function screenshot(name) {
    return {
        content: `screenshot ${name} (only taken by make screenshots)`,
        trigger: "body",
        run: async () => {
            console.log(`pongo-screenshot:${name}`);
            await new Promise((resolve) => setTimeout(resolve, 800));
        },
    };
}
