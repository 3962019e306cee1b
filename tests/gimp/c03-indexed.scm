; SPDX-License-Identifier: GPL-3.0-or-later
; C03 indexed: a 32x32 indexed image with a 4-colour palette, one entry
; transparent, and odd/foo3x5x4indexed.png.  The filter refuses indexed
; images with a clear execution error (the menu entry is not offered for
; them) and never adds a layer.

(define (c03-make)
  (let* ((img (car (gimp-image-new 32 32 RGB)))
         (l (car (gimp-layer-new img "quads" 32 32 RGBA-IMAGE 100
                                 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img l 0 0)
    (gimp-drawable-fill l FILL-TRANSPARENT)
    (for-each
      (lambda (q)
        (gimp-image-select-rectangle img CHANNEL-OP-REPLACE
                                     (car q) (cadr q) 16 16)
        (gimp-context-set-foreground (caddr q))
        (gimp-drawable-edit-fill l FILL-FOREGROUND))
      '((0 0 (255 0 0)) (16 0 (0 255 0)) (0 16 (0 0 255))))
    (gimp-selection-none img)
    (gimp-image-convert-indexed img CONVERT-DITHER-NONE
                                CONVERT-PALETTE-GENERATE 4 FALSE FALSE "")
    img))

(define (c03-check tag img)
  (let* ((drw (ns-top img))
         (n (ns-n-layers img))
         (result (ns-try (lambda ()
                           (ns-run img drw (ns-path "style/brick.png"))))))
    (ns-check (string-append tag " is indexed")
              (= (car (gimp-image-get-base-type img)) INDEXED))
    (ns-check (string-append tag " fails") (not result))
    (ns-check (string-append tag " says why")
              (and (ns-contains? ns-last-error "not indexed")
                   (ns-contains? ns-last-error "Image > Mode > RGB"))
              ns-last-error)
    (ns-check (string-append tag " adds no layer") (= (ns-n-layers img) n))
    (gimp-image-delete img)))

(c03-check "c03 32x32" (c03-make))
(c03-check "c03 foo3x5x4" (ns-load "odd/foo3x5x4indexed.png"))
