; SPDX-License-Identifier: GPL-3.0-or-later
; C01 alpha: 96x64 RGBA, left half an opaque gradient (with a band of
; alpha 100 at its edge), right half alpha 0 over arbitrary colours; style a
; 64x64 half-transparent ring.  The result keeps alpha exactly and colours
; hidden under alpha 0 never reach visible pixels: two contents differing
; only there give the same visible result.

; Multiplies the alpha of layer l by a mask that is white, then gray g in
; the rectangles listed as (x y w h g); RGB stays as it was.
(define (c01-mask img l rects)
  (let ((mask (car (gimp-layer-create-mask l ADD-MASK-WHITE))))
    (gimp-layer-add-mask l mask)
    (for-each
      (lambda (r)
        (gimp-image-select-rectangle img CHANNEL-OP-REPLACE
                                     (car r) (cadr r) (caddr r) (cadddr r))
        (gimp-context-set-foreground (make-list 3 (list-ref r 4)))
        (gimp-drawable-edit-fill mask FILL-FOREGROUND))
      rects)
    (gimp-selection-none img)
    (gimp-layer-remove-mask l MASK-APPLY)))

; The hidden colours come from a photograph (different ones for a and b);
; the left 48 columns get a gradient, columns 44..47 alpha 100, the right
; half alpha 0.
(define (c01-content photo)
  (let* ((img (ns-load "content/" photo))
         (l (ns-top img)))
    (gimp-image-scale img 96 64)
    (gimp-layer-add-alpha l)
    (gimp-item-set-name l "content")
    (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 0 0 48 64)
    (gimp-context-set-foreground '(250 20 40))
    (gimp-context-set-background '(20 90 250))
    (gimp-drawable-edit-gradient-fill l GRADIENT-LINEAR 0 FALSE 1 0 FALSE
                                      0 0 48 64)
    (gimp-selection-none img)
    (c01-mask img l '((48 0 48 64 0) (44 0 4 64 100)))
    img))

(define (c01-ring)
  (let* ((img (car (gimp-image-new 64 64 RGB)))
         (l (car (gimp-layer-new img "ring" 64 64 RGBA-IMAGE 100
                                 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img l 0 0)
    (gimp-drawable-fill l FILL-TRANSPARENT)
    (gimp-image-select-ellipse img CHANNEL-OP-REPLACE 8 8 48 48)
    (gimp-image-select-ellipse img CHANNEL-OP-SUBTRACT 20 20 24 24)
    (gimp-context-set-foreground '(200 40 30))
    (gimp-drawable-edit-fill l FILL-FOREGROUND)
    (gimp-selection-none img)
    (c01-mask img l '((0 0 64 64 128)))
    img))

(let* ((ring (c01-ring))
       (ring-file (string-append ns-out "/ring.png"))
       (a (c01-content "chelsea.png"))
       (b (c01-content "coffee.png"))
       (c (c01-content "chelsea.png"))
       (a-src (ns-top a))
       (b-src (ns-top b))
       (a-before (list (ns-pixel a-src 70 30) (ns-pixel a-src 20 30))))
  (gimp-file-save RUN-NONINTERACTIVE ring ring-file -1)

  ; a and b: the ring as a file; c: the ring as a layer of another open
  ; image.
  (ns-run a a-src ring-file)
  (ns-run b b-src ring-file)
  (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE #:image c
                        #:drawables (vector (ns-top c))
                        #:style-layer (ns-top ring) #:seed 7)
  (let ((a-out (ns-top a)) (b-out (ns-top b)) (c-out (ns-top c)))
    (ns-check-layer "c01" a-out "content (Neural Style)" 96 64 0 0
                    RGBA-IMAGE)
    (ns-check "c01 hidden colours differ"
      (> (ns-max-diff (ns-pixel a-src 70 30) (ns-pixel b-src 70 30)) 10)
      (ns-pixel a-src 70 30) (ns-pixel b-src 70 30))
    (ns-check "c01 visible sources equal"
      (ns-every 48 64 4
        (lambda (x y) (equal? (ns-pixel a-src x y) (ns-pixel b-src x y)))))
    (ns-check "c01 source alpha as built"
      (let ((alphas (map (lambda (x) (list-ref (ns-pixel a-src x 5) 3))
                         '(10 45 60))))
        (and (= (car alphas) 255) (< 0 (cadr alphas) 255)
             (= (caddr alphas) 0)))
      (map (lambda (x) (ns-pixel a-src x 5)) '(10 45 60)))
    (ns-check "c01 alpha kept exactly"
      (ns-every 96 64 3
        (lambda (x y)
          (and (= (list-ref (ns-pixel a-out x y) 3)
                  (list-ref (ns-pixel a-src x y) 3))
               (= (list-ref (ns-pixel b-out x y) 3)
                  (list-ref (ns-pixel b-src x y) 3))))))
    (ns-check "c01 hidden colours do not bleed"
      (ns-every 48 64 2
        (lambda (x y)
          (equal? (ns-pixel a-out x y) (ns-pixel b-out x y)))))
    (ns-check "c01 style layer and style file agree"
      (ns-every 96 64 5
        (lambda (x y)
          (<= (ns-max-diff (ns-pixel a-out x y) (ns-pixel c-out x y)) 1))))
    (ns-check "c01 visible pixels changed"
      (> (ns-max-diff (ns-pixel a-out 20 30) (ns-pixel a-src 20 30)) 3)
      (ns-pixel a-out 20 30) (ns-pixel a-src 20 30))
    (ns-check "c01 source untouched"
      (equal? (list (ns-pixel a-src 70 30) (ns-pixel a-src 20 30)) a-before)
      a-before))
  (gimp-image-delete ring)
  (gimp-image-delete a)
  (gimp-image-delete b)
  (gimp-image-delete c))
